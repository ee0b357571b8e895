# Entry point: MicroPython runs main.py after boot.py. The only module with
# top-level effects; everything else waits to be called.
import app
import board

app.App(board.Board()).run()
