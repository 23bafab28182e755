"""Internationalised email addresses (RFC 6531 UTF-8 local parts, IDN domains in Unicode or punycode,
decomposed accents, punycode top-level domains): every one is an email, none is malformed."""

from __future__ import annotations

import unicodedata

_LOCALS = ["jm", "jösé", "zoë", "müller", "françois", "李", "иван", "σοφία", "राज", "o.brien"]
_DOMAINS = [
    "exämple.com",
    "xn--exmple-cua.com",
    "bücher.de",
    "例え.jp",
    "пример.рф",
    "xn--e1afmkfd.xn--p1ai",
    "उदाहरण.भारत",
    "παράδειγμα.ελ",
    "example.com",
    "mail.exämple.co.uk",
]


def idn_emails(n: int = 50) -> list[str]:
    """``n`` distinct addresses; each has a non-ASCII local part or an internationalised domain."""
    out = []
    for i in range(n):
        local, domain = _LOCALS[i % len(_LOCALS)], _DOMAINS[(i * 3) % len(_DOMAINS)]
        address = f"{local}{i}@{domain}"
        out.append(unicodedata.normalize("NFD", address) if i % 7 == 3 else address)
    return out
