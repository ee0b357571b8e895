"""The room's plan given apart from the capture (`--plan FILE`): a real sweep's
capture holds no waypoint positions, and the plan the surveyor noted on paper
gives them back. The same JSON as a capture header's `plan` section
(docs/capture-format.md), read as strictly; stored in the header by `sweep
--port` and `record`, used instead of the header's by the analyst's commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from roomsweep.analysis.recording import from_capture
from roomsweep.analyst.analysed import plan_notes
from roomsweep.cli import main
from roomsweep.errors import PlanFileError, UsageError
from roomsweep.link import capture as C
from roomsweep.link.inputs import load_plan_file, plan_to_record

from .fakedevice import FakeDevice

WRITER = Path(__file__).resolve().parent.parent / "docs" / "examples" / "write_capture.py"


@pytest.fixture(scope="module")
def planned(tmp_path_factory) -> tuple[Path, Path, dict]:
    """The reference writer's capture (a transmitter loud at one waypoint), the
    same capture with its plan taken out of the header, and that plan."""
    where = tmp_path_factory.mktemp("plan")
    full = where / "full.cap"
    proc = subprocess.run([sys.executable, str(WRITER), str(full)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    header, offset = C.read_header(full)
    plan = header.pop("plan")
    bare = where / "bare.cap"
    bare.write_bytes(C.encode_header(header) + full.read_bytes()[offset:])
    return full, bare, plan


def _write(path: Path, value) -> Path:
    path.write_text(json.dumps(value) if not isinstance(value, str) else value)
    return path


def _findings(capsys, argv: list[str]) -> list[dict]:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_a_plan_file_gives_a_capture_without_one_its_positions(planned, tmp_path, capsys):
    full, bare, plan = planned
    with_header = _findings(capsys, ["analyze", str(full), "--json"])
    assert any(f.get("position_m") for f in with_header)
    without = _findings(capsys, ["analyze", str(bare), "--json"])
    assert not any(f.get("position_m") for f in without)
    assert {f["waypoint"] for f in without} <= {f"mark {i}" for i in range(1, 10)}
    plan_file = _write(tmp_path / "room.json", plan)
    given = _findings(capsys, ["analyze", str(bare), "--json", "--plan", str(plan_file)])
    assert given == with_header
    assert capsys.readouterr().err == ""  # the plan names every stop: nothing to say


def test_a_plan_file_replaces_only_the_parts_it_gives(planned, tmp_path):
    full, _, plan = planned
    moved = {name: [x + 1.0, y] for name, (x, y, *_) in plan["waypoints"].items()}
    rec = from_capture(
        full, plan=load_plan_file(_write(tmp_path / "p.json", {"waypoints": moved}))
    )
    assert rec.waypoint_positions == {k: tuple(v) for k, v in moved.items()}
    assert [m.label for m in rec.marks] == plan["sweep"]  # the header's sweep kept
    assert rec.room_outline == [tuple(p) for p in plan["outline"]]


@pytest.mark.parametrize(
    "text, words",
    [
        ("{not json", ["not a plan file", "not JSON"]),
        ("[1, 2]", ["a plan is an object"]),
        ('{"waypoint": {"desk": [1, 2]}}', ["unknown plan key 'waypoint'"]),
        ("{}", ["the plan is empty"]),
        ('{"waypoints": {"desk": "by the window"}}', ["waypoints 'desk' must be [x, y]"]),
        ('{"sweep": ["door", 3]}', ["sweep must be a list of waypoint names"]),
        ('{"outline": [[0, 0], [1, 1]]}', ["outline must be a list of at least 3"]),
        ('{"waypoints": {"desk": [1, NaN]}}', ["waypoints 'desk' must be"]),
    ],
)
def test_a_bad_plan_file_is_one_line_naming_the_file(planned, tmp_path, capsys, text, words):
    _, bare, _ = planned
    bad = _write(tmp_path / "bad.json", text)
    with pytest.raises(PlanFileError) as e:
        load_plan_file(bad)
    assert str(e.value).startswith(f"{bad}: ") and "header" not in str(e.value)
    for command in (["analyze", str(bare)], ["compare", str(bare), str(bare)]):
        assert main([*command, "--plan", str(bad)]) in (1, 2)
        err = capsys.readouterr().err
        assert err.startswith("roomsweep: error:") and err.count("\n") == 1, err
        assert all(w in err for w in words), err


def test_a_missing_or_odd_plan_file_is_refused_before_any_work(tmp_path, capsys):
    with pytest.raises(UsageError, match="no such plan file"):
        load_plan_file(tmp_path / "nowhere.json")
    with pytest.raises(UsageError, match="a directory, not a plan file"):
        load_plan_file(tmp_path)
    binary = tmp_path / "plan.bin"
    binary.write_bytes(b"\xff\xfe\x00plan")
    with pytest.raises(PlanFileError, match="not UTF-8"):
        load_plan_file(binary)


def test_a_plan_that_names_no_stop_says_so(planned, tmp_path, capsys):
    _, bare, plan = planned
    rec = from_capture(bare)
    presses = len(rec.marks)
    elsewhere = load_plan_file(_write(tmp_path / "o.json", {"waypoints": plan["waypoints"]}))
    (note,) = plan_notes(from_capture(bare, plan=elsewhere), elsewhere)
    assert "no stop of the capture is named after a waypoint" in note
    short = load_plan_file(_write(tmp_path / "s.json", {**plan, "sweep": plan["sweep"][:2]}))
    (note,) = plan_notes(from_capture(bare, plan=short), short)
    assert f"has {presses} button presses and the plan's sweep names 2" in note
    assert f"'mark 3' to 'mark {presses}'" in note
    # named by the reader's own names: no sweep needed
    by_mark = {f"mark {i + 1}": plan["waypoints"][n] for i, n in enumerate(plan["sweep"])}
    numbered = load_plan_file(_write(tmp_path / "m.json", {"waypoints": by_mark}))
    rec = from_capture(bare, plan=numbered)
    assert plan_notes(rec, numbered) == [] and rec.waypoint_positions
    assert main(["analyze", str(bare), "--plan", str(tmp_path / "o.json")]) == 0
    err = capsys.readouterr().err
    assert err.startswith("roomsweep: note: no stop of the capture") and err.count("\n") == 1


def test_record_and_sweep_store_the_plan_in_a_new_captures_header(planned, tmp_path, capsys):
    _, _, plan = planned
    plan_file = _write(tmp_path / "room.json", plan)
    with FakeDevice(frames_per_s=300) as dev:
        rec_out, sweep_out = tmp_path / "r.cap", tmp_path / "s.cap"
        argv = ["record", "--port", dev.port, "--out", str(rec_out), "--seconds", "0.3"]
        assert main([*argv, "--plan", str(plan_file)]) == 0
        assert C.read_header(rec_out)[0]["plan"] == plan
        sweep = ["sweep", "--port", dev.port, "--out", str(sweep_out), "--seconds", "0.3"]
        # 0.3 s swept: the header is written, and the sweep is too short to clear the room
        assert main([*sweep, "--no-tty", "--no-report", "--plan", str(plan_file)]) == 1
        assert C.read_header(sweep_out)[0]["plan"] == plan
        capsys.readouterr()
        # an appended capture keeps its header: the plan would be lost
        assert main([*argv, "--append", "--plan", str(plan_file)]) == 2
        assert "give the plan to analyze --plan" in capsys.readouterr().err
    with pytest.raises(UsageError, match="--append"):
        plan_to_record(plan_file, appending=True)
    assert (
        main(
            ["sweep", "--sim", "hotel-room", "--out", str(tmp_path / "x.cap")]
            + ["--plan", str(plan_file)]
        )
        == 2
    )
    assert "its own plan" in capsys.readouterr().err


def test_an_export_never_writes_over_its_plan_file(planned, tmp_path, capsys):
    _, bare, plan = planned
    plan_file = _write(tmp_path / "room.json", plan)
    before = plan_file.read_bytes()
    argv = ["export", str(bare), "--format", "jsonl", "-o", str(plan_file), "--force"]
    assert main([*argv, "--plan", str(plan_file)]) == 2
    err = capsys.readouterr().err
    assert "own input" in err and err.count("\n") == 1, err
    assert plan_file.read_bytes() == before
