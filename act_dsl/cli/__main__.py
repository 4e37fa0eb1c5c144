"""`python -m act_dsl.cli` runs the `act` command too."""
import sys

from act_dsl.cli import main

sys.exit(main())
