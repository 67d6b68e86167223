"""`python -m simulator` is the same as the `neuromod-sim` command."""
from simulator.cli.main import main

raise SystemExit(main())
