"""What an email address looks like, internationalised: RFC 6531 UTF-8 local parts (``jösé@...``) and
IDN domains, written in Unicode (``exämple.com``, ``пример.рф``) or as punycode (``xn--exmple-cua.com``,
``xn--p1ai``). Letters, combining marks (decomposed accents, Indic vowel signs) and digits of any script
count. RE2 syntax, for ``pyarrow.compute`` (Python's ``re`` has no ``\\p{..}`` classes).

Two strictnesses: ``EMAIL`` finds address-shaped text (malformed ones such as ``jo..doe@x.com`` included),
for detecting personal data; ``EMAIL_RE`` is a well-formed address, for the malformed-email quality issue.
"""

from __future__ import annotations

_CHAR = r"\p{L}\p{M}\p{N}"
_TOP_LEVEL = r"(?:[\p{L}\p{M}]{2,63}|xn--[A-Za-z0-9-]{1,59})"  # alphabetic, any script, or punycode

# Unanchored: use it whole (``^...$``) for a cell, as is to search inside text.
EMAIL = "[" + _CHAR + "._%+'-]+@[" + _CHAR + "-]+(?:\\.[" + _CHAR + "-]+)*\\." + _TOP_LEVEL

# Structure only: one @, dot-separated local atoms, dotted domain labels, an alphabetic or punycode top level.
_ATOM = "[" + _CHAR + "!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = _ATOM + r"(?:\." + _ATOM + ")*"
_LABEL = r"[\p{L}\p{N}](?:[" + _CHAR + "-]{0,61}[" + _CHAR + "])?"
EMAIL_RE = "^" + _LOCAL + "@(?:" + _LABEL + r"\.)+" + _TOP_LEVEL + "$"
