"""What kind of failure a failed test's message shows, and the Jira priority that follows from it.

| pattern | seen as | priority |
| --- | --- | --- |
| environment | a target or the browser could not be reached or started | Highest |
| api_contract | an HTTP status or error body other than the scenario expects | High |
| data_integrity | named records missing from the target, references that do not resolve | High |
| ui | a page that does not show what the record holds | Medium |
| data_rule | records that break the scenario's rule | Medium |
| other | anything else | Medium |
"""

from __future__ import annotations

import re

PATTERNS: list[tuple[str, str, re.Pattern[str]]] = [
    (
        "environment",
        "Highest",
        re.compile(
            r"connection ?(refused|error|reset|aborted)|max retries exceeded|failed to establish|timed? ?out|"
            r"name or service not known|unable to open database|operationalerror|no such table|"
            r"webdriverexception|session not created|chromedriver|unable to obtain driver|cannot find chrome",
            re.I,
        ),
    ),
    (
        "api_contract",
        "High",
        re.compile(r"expected status|url: .* expected|names no error for field|status code", re.I),
    ),
    ("data_integrity", "High", re.compile(r"records are missing from|find no [\w.]+|records named", re.I)),
    (
        "ui",
        "Medium",
        re.compile(r"text of element|element .* (not|did not)|page should|should have been .* but it was", re.I),
    ),
    ("data_rule", "Medium", re.compile(r"records break the rule", re.I)),
]
PRIORITY = {name: priority for name, priority, _ in PATTERNS} | {"other": "Medium"}


def failure_pattern(message: str) -> str:
    for name, _, pattern in PATTERNS:
        if pattern.search(message or ""):
            return name
    return "other"


def priority_of(pattern: str) -> str:
    return PRIORITY.get(pattern, "Medium")
