"""``python -m kiosk``: the same as the ``kiosk`` command."""

from __future__ import annotations

from kiosk.cli import main

raise SystemExit(main())
