"""The bundled gazetteers read by the tests themselves (not through tools.generators.address), so a
test's oracle for 'this postcode is in that town' is independent of the code under test."""

from __future__ import annotations

import re

from tools.generators.vector import words


def read_gazetteer(locale: str) -> dict[str, set[tuple[str, str, str]]]:
    """district (UK outward code, US ZIP prefix) -> {(town or alias, county, region)}."""
    out: dict[str, set[tuple[str, str, str]]] = {}
    width = 3 if locale == "en_US" else 0
    for line in words(f"gazetteer.{locale}").to_pylist():
        spec, towns, county, region = line.split("|")
        area = ""
        for token in spec.split(","):
            m = re.fullmatch(r"([A-Z]{1,2})?(\d+[A-Z]?)(?:-(\d+))?", token)
            assert m, token
            area = m.group(1) or area
            low, high = m.group(2), m.group(3)
            codes = [str(n).zfill(width) for n in range(int(low), int(high) + 1)] if high else [low]
            for code in codes:
                out.setdefault(area + code, set()).update((t, county, region) for t in towns.split("/"))
    return out
