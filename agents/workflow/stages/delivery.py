"""What the stages after export say when a run has nowhere to deliver to. The distribute stage is
``distribute.py``; the test stages are ``testing.py``."""

from __future__ import annotations

NO_TARGETS = "no targets configured"
