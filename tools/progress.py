"""The one progress callback every long-running capability accepts.

``progress(step, done, total)``: ``step`` is specific, plain-language text ("Fitting GaussianCopula on
52 columns"), ``done``/``total`` count units of that step (``total`` None when unknown). The agents
layer turns these calls into ``Progress`` events; tools never import the agents layer.
"""

from __future__ import annotations

from collections.abc import Callable

ProgressCallback = Callable[[str, int, int | None], None]


def no_progress(step: str, done: int, total: int | None) -> None:
    """The default callback: ignore progress."""
