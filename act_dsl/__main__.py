"""`python -m act_dsl` runs the `act` command."""
import sys

from act_dsl.cli import main

sys.exit(main())
