"""`python -m seattrack ...` (also what `torchrun -m seattrack train ...` runs)."""

import sys

from seattrack.cli import main

sys.exit(main())
