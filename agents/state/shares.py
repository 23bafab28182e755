"""Download links that expire: ``doppel runs share RUN --expires 24h`` signs ``run id + expiry`` with a key
kept in ``<home>/share.key`` (0600); the UI's server serves the run's archive for a valid token and refuses
a forged or expired one."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from pathlib import Path

from tools.errors import DoppelError
from tools.settings import Settings

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str) -> int:
    """``90s``, ``30m``, ``24h``, ``7d`` -> seconds."""
    found = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", text)
    if not found or int(found[1]) == 0:
        raise DoppelError(f"--expires '{text}': give a positive number with s, m, h or d, e.g. 24h")
    return int(found[1]) * _UNITS[found[2]]


def _key(settings: Settings) -> bytes:
    path = Path(settings.home) / "share.key"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
    return bytes.fromhex(path.read_text(encoding="utf-8").strip())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def sign(settings: Settings, run_id: str, seconds: int, *, now: float | None = None) -> tuple[str, int]:
    """A token for ``run_id`` valid ``seconds`` from now, and its expiry (unix time)."""
    expires = int((now if now is not None else time.time()) + seconds)
    body = f"{run_id}|{expires}".encode()
    mac = hmac.new(_key(settings), body, hashlib.sha256).digest()
    return f"{_b64(body)}.{_b64(mac)}", expires


def verify(settings: Settings, token: str, *, now: float | None = None) -> str:
    """The run id of a valid token; a DoppelError for a forged, malformed or expired one."""
    try:
        body_text, mac_text = token.split(".")
        body = base64.urlsafe_b64decode(body_text + "=" * (-len(body_text) % 4))
        mac = base64.urlsafe_b64decode(mac_text + "=" * (-len(mac_text) % 4))
        run_id, expires = body.decode().rsplit("|", 1)
    except (ValueError, UnicodeDecodeError):
        raise DoppelError("share link: not a valid link") from None
    if not hmac.compare_digest(mac, hmac.new(_key(settings), body, hashlib.sha256).digest()):
        raise DoppelError("share link: not a valid link")
    if (now if now is not None else time.time()) >= int(expires):
        raise DoppelError("share link: expired")
    return run_id
