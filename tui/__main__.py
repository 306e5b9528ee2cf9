"""``python -m openclaw_tui.tui`` runs the same entry point as the ``openclaw-tui`` script."""

import sys

from openclaw_tui.tui.cli import main

sys.exit(main())
