"""Scenario descriptions, Gherkin or free text, into objective, preconditions, steps and expected outcome.

Gherkin may sit in a ``{code:gherkin}`` block (Jira wiki markup), a Markdown fence or plain text:
``Feature:``, ``Scenario:``, then ``Given`` (preconditions), ``When`` (steps) and ``Then`` (expected
outcomes); ``And``/``But`` continue the step before. Free text uses headed sections: ``*Objective:*``,
``*Preconditions:*``, ``*Steps:*`` (numbered with ``#``, ``1.``, ``-`` or ``*``) and ``*Expected outcome:*``
(also ``Expected result``, ``Expected``, ``Goal``, ``Given``), in Jira markup or not.
"""

from __future__ import annotations

import re

from tools.testcases.model import Scenario, Step, StepKind

_GHERKIN_BLOCK = re.compile(r"\{code(?::[^}]*gherkin[^}]*)?\}(.*?)\{code\}|```\s*gherkin\s*\n(.*?)```", re.I | re.S)
_STEP = re.compile(r"^\s*(given|when|then|and|but|\*)\s+(.+?)\s*$", re.I)
_HEADER = re.compile(r"^\s*(feature|scenario(?: outline)?|background)\s*:\s*(.*?)\s*$", re.I)
_SECTIONS = {
    "objective": ("objective", "goal", "purpose", "aim"),
    "preconditions": ("preconditions", "precondition", "pre-conditions", "prerequisites", "setup", "given"),
    "steps": ("steps", "test steps", "actions", "procedure"),
    "expected": ("expected outcome", "expected result", "expected results", "expected", "outcome", "result"),
}
_SECTION_LINE = re.compile(r"^\s*[*_]*\s*(?P<name>[A-Za-z][A-Za-z -]*?)\s*:\s*[*_]*\s*:?\s*(?P<rest>.*)$")
_ITEM = re.compile(r"^\s*(?:#+|\d+[.)]|[-*•])\s+")
_MARKUP = re.compile(r"\{noformat\}|\{code(?::[^}]*)?\}|\*(?=\S)|(?<=\S)\*|\b_(?=\S)|(?<=\S)_\b")


def clean(text: str) -> str:
    """One line of Jira text without wiki markup or surrounding space."""
    return re.sub(r"\s+", " ", _MARKUP.sub("", text)).strip()


def parse_scenario(key: str, summary: str, description: str, **fields: object) -> Scenario:
    """A scenario from a Jira issue's summary and description (Gherkin when it has Given/When/Then steps)."""
    scenario = Scenario(key=key, summary=summary, **fields)
    text = (description or "").replace("\r\n", "\n")
    block = _GHERKIN_BLOCK.search(text)
    gherkin_text = (block.group(1) or block.group(2)) if block else text
    steps = _gherkin_steps(gherkin_text, scenario)
    if steps and any(s.kind == "then" for s in steps):
        scenario.format = "gherkin"
        scenario.gherkin = steps
        scenario.preconditions = [s.text for s in steps if s.kind == "given"]
        scenario.steps = [s.text for s in steps if s.kind == "when"]
        scenario.expected = [s.text for s in steps if s.kind == "then"]
        scenario.objective = scenario.name or scenario.feature
        return scenario
    scenario.feature = scenario.name = None
    sections = _free_text(text)
    if any(sections.values()):
        scenario.format = "free-text"
        scenario.objective = " ".join(sections["objective"]) or None
        scenario.preconditions = sections["preconditions"]
        scenario.steps = sections["steps"]
        scenario.expected = sections["expected"]
    return scenario


def _gherkin_steps(text: str, scenario: Scenario) -> list[Step]:
    steps: list[Step] = []
    kind: StepKind | None = None
    for line in text.splitlines():
        header = _HEADER.match(line)
        if header:
            word = header.group(1).lower()
            if word == "feature":
                scenario.feature = clean(header.group(2)) or None
            elif word.startswith("scenario"):
                scenario.name = clean(header.group(2)) or None
            continue
        found = _STEP.match(line)
        if not found:
            continue
        word = found.group(1).lower()
        if word in ("given", "when", "then"):
            kind = word  # type: ignore[assignment]
        elif kind is None:
            continue  # an And before any Given/When/Then is not a step
        assert kind is not None
        steps.append(Step(kind=kind, text=clean(found.group(2)), keyword=found.group(1).capitalize()))
    return steps


def _section_of(name: str) -> str | None:
    name = name.strip().lower()
    for section, names in _SECTIONS.items():
        if name in names:
            return section
    return None


def _free_text(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {name: [] for name in _SECTIONS}
    current: str | None = None
    for raw in text.splitlines():
        if not raw.strip():
            continue
        head = _SECTION_LINE.match(raw)
        section = _section_of(head.group("name")) if head else None
        if head and section:
            current = section
            rest = clean(head.group("rest"))
            if rest:
                sections[current] += _sentences(rest, current)
            continue
        if current is None:
            continue
        line = clean(_ITEM.sub("", raw))
        if line:
            sections[current] += _sentences(line, current)
    return sections


def _sentences(line: str, section: str) -> list[str]:
    """Steps stay one per line; other sections are split into sentences (each one checked on its own)."""
    if section == "steps":
        return [line]
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z])", line)
    return [p.strip() for p in parts if p.strip()]
