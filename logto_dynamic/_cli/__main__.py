"""``python -m logto_dynamic._cli`` runs the command line (as ``python -m logto_dynamic``)."""

import sys

from logto_dynamic._cli import main

sys.exit(main())
