from roomsweep.cli import main

raise SystemExit(main())
