"""Paths inside artifacts are written relative to the run folder, so two runs of the same config and
seed (in different homes, or resumed after a crash) produce byte-identical files."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def portable(document: Any, prefixes: dict[Path, str]) -> Any:
    """``document`` with every string starting with one of ``prefixes`` rewritten to its replacement."""
    ordered = sorted(((str(p), r) for p, r in prefixes.items()), key=lambda x: -len(x[0]))

    def fix(value: Any) -> Any:
        if isinstance(value, str):
            for prefix, replacement in ordered:
                if value == prefix:
                    return replacement
                if value.startswith(prefix + "/"):
                    return f"{replacement}/{value[len(prefix) + 1 :]}" if replacement else value[len(prefix) + 1 :]
                if prefix in value:
                    value = value.replace(prefix + "/", f"{replacement}/" if replacement else "")
            return value
        if isinstance(value, dict):
            return {k: fix(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fix(v) for v in value]
        return value

    return fix(document)
