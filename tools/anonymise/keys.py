"""The pseudonymisation key: where it comes from, and the only thing about it that is ever recorded.

The key is read from a file or an environment variable (never a command-line argument, which shows in
process lists and shell history), held in an object whose ``repr`` shows only its fingerprint, and
never written anywhere. Without a key, pseudonymisation refuses to run unless a random key is asked
for, because a random key's mapping can never be repeated (tables anonymised in two runs would no
longer join).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from tools.errors import DoppelError

MIN_KEY_BYTES = 16
_FINGERPRINT_DOMAIN = b"doppel/pseudonym-key-fingerprint/v1\x00"
KeySource = Literal["file", "env", "random"]


class PseudonymKey:
    """Secret key bytes plus where they came from; printing it shows the fingerprint only."""

    __slots__ = ("_secret", "source")

    def __init__(self, secret: bytes, source: KeySource) -> None:
        self._secret = secret
        self.source = source

    @property
    def secret(self) -> bytes:
        return self._secret

    @property
    def fingerprint(self) -> str:
        return fingerprint(self._secret)

    @property
    def repeatable(self) -> bool:
        return self.source != "random"

    def __repr__(self) -> str:
        return f"PseudonymKey(source={self.source!r}, fingerprint={self.fingerprint!r})"

    __str__ = __repr__


def fingerprint(secret: bytes) -> str:
    """First 8 hex digits of SHA-256 over a domain prefix and the key: enough to tell keys apart in
    metadata, useless for recovering the key."""
    return hashlib.sha256(_FINGERPRINT_DOMAIN + secret).hexdigest()[:8]


def load_key(
    key_file: Path | None,
    random_key: bool,
    needed_by: Sequence[str],
    env_var: str = "DOPPEL_PSEUDONYM_KEY",
    environ: Mapping[str, str] | None = None,
) -> PseudonymKey | None:
    """The key to use, or None when no column needs one.

    Order: ``key_file``, then a random key when asked for, then the ``env_var`` environment variable.
    The key is the file's bytes (or the variable's UTF-8 text) without surrounding whitespace, so
    ``echo $KEY > key.txt`` and ``export DOPPEL_PSEUDONYM_KEY=$KEY`` give the same pseudonyms."""
    environ = os.environ if environ is None else environ
    if key_file is not None and random_key:
        raise DoppelError("--key-file and --random-key: give one of them")
    if not needed_by:
        return None
    if key_file is not None:
        try:
            secret = key_file.read_bytes().strip()
        except OSError as exc:
            raise DoppelError(f"--key-file {key_file}: cannot read ({exc.strerror or exc})") from None
        _check_length(secret, f"--key-file {key_file}")
        return PseudonymKey(secret, "file")
    if random_key:
        return PseudonymKey(secrets.token_bytes(32), "random")
    text = environ.get(env_var, "").strip()
    if text:
        secret = text.encode("utf-8")
        _check_length(secret, f"environment variable {env_var}")
        return PseudonymKey(secret, "env")
    shown = ", ".join(needed_by[:6]) + (f" and {len(needed_by) - 6} more" if len(needed_by) > 6 else "")
    raise DoppelError(
        f"pseudonymising {shown} needs a key: pass --key-file FILE or set {env_var} (at least "
        f"{MIN_KEY_BYTES} bytes; keep it secret and reuse it so pseudonyms match across tables and runs), "
        "or pass --random-key to use a throw-away key (the mapping then cannot be repeated)"
    )


def _check_length(secret: bytes, where: str) -> None:
    if len(secret) < MIN_KEY_BYTES:
        raise DoppelError(
            f"{where}: the key is too short ({len(secret)} bytes; at least {MIN_KEY_BYTES} needed, e.g. "
            "the output of `python -c 'import secrets; print(secrets.token_hex(32))'`)"
        )
