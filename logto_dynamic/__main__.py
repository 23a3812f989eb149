"""``python -m logto_dynamic`` runs the command line."""

import sys

from logto_dynamic._cli import main

sys.exit(main())
