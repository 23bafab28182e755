"""Secrets out of every output: a password in a URL never reaches a file, a record, a log line or a message.

A database URL (``settings.database_url``, ``DOPPEL_DATABASE_URL``) or any URL a run config or a target
names may carry a password: ``postgresql://app:s3cret@db/prod``, or ``...?password=s3cret``. ``redact``
masks those in any text; ``redact_data`` does it through a JSON-like document (audit details, events);
``install_log_redaction`` does it for every log record, its traceback included. The one mask is ``***``.

The pattern is deliberately wider than a URL parser: the password runs to the *last* ``@`` of the word, so
a password holding an unencoded ``@`` or ``/`` (which ``sqlalchemy.make_url`` would split into the host) is
masked whole, and ``scheme:/user:pw@host`` (a URL that went through ``pathlib.Path``) is caught too.
"""

from __future__ import annotations

import logging
import re
from typing import Any

MASK = "***"

_USERINFO = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*:/{1,3}[^\s/:@'\"<>]*:)(?P<secret>[^\s'\"<>]*)@")
_QUERY = re.compile(
    r"(?P<head>[?&;](?:password|passwd|pwd|pass|secret|token|api_key|apikey|access_token|sslpassword)=)"
    r"(?P<secret>[^&;\s'\"<>]+)",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """``text`` with every password of a URL in it masked (``postgresql://app:***@db/prod``)."""
    if "@" not in text and "=" not in text:
        return text
    text = _USERINFO.sub(lambda m: f"{m['head']}{MASK}@", text)
    return _QUERY.sub(lambda m: f"{m['head']}{MASK}", text)


def redact_data(value: Any) -> Any:
    """``value`` (dicts, lists, strings, anything else as is) with ``redact`` applied to every string."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(k) if isinstance(k, str) else k: redact_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_data(v) for v in value)
    return value


def has_secret(text: str) -> bool:
    """Whether ``text`` carries a URL password that ``redact`` would mask."""
    return redact(text) != text


_FACTORY_INSTALLED = False


def install_log_redaction() -> None:
    """Mask URL passwords in every log record from now on: the message and arguments when the record is
    made, the traceback text too (pre-formatted, so handlers use the redacted one). Idempotent."""
    global _FACTORY_INSTALLED
    if _FACTORY_INSTALLED:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: logging reports it when the record is emitted
            message = ""
        if has_secret(message):
            record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(factory)
    _FACTORY_INSTALLED = True
