"""Open a local HTML file in Debian's headless Chromium, with every host unresolvable, and return what the
page became after its scripts ran plus what it wrote to the console. Real browser, no network: a page that
needs a CDN or throws shows it here."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CONSOLE = re.compile(r":CONSOLE[^\]]*\]\s*(.*)$")


@dataclass(frozen=True)
class RenderedPage:
    dom: str
    console: list[str]


def chromium() -> str:
    """The browser's path: DOPPEL_CHROMIUM, else `chromium` on PATH (`make install` installs Debian's)."""
    path = os.environ.get("DOPPEL_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise AssertionError("no Chromium: `make install` installs Debian's chromium, or set DOPPEL_CHROMIUM")
    return path


def render(page: Path, *, budget_ms: int = 20_000, timeout_s: float = 120.0) -> RenderedPage:
    """Load `page` offline, let its scripts run for `budget_ms` of virtual time, dump the resulting DOM."""
    with tempfile.TemporaryDirectory(prefix="doppel-chromium-") as profile:
        done = subprocess.run(
            [
                chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--enable-logging=stderr",
                "--v=0",
                f"--virtual-time-budget={budget_ms}",
                "--dump-dom",
                page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    assert done.returncode == 0, f"chromium exited {done.returncode}: {done.stderr[-2000:]}"
    console = [m.group(1) for line in done.stderr.splitlines() if (m := CONSOLE.search(line))]
    return RenderedPage(dom=done.stdout, console=console)
