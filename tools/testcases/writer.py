"""Test plans into Robot Framework files: one suite per scenario (``<KEY>.robot``), a shared resource
(``doppel.resource``: libraries, target variables, browser keywords) and ``records.json`` (the values of the
records a REST or page check sends and compares).

Every suite names its records by primary key (``@{RECORDS}``) and carries the Jira key and the scenario's
labels as tags. Target addresses are variables of the resource with environment overrides
(``DOPPEL_TEST_REST_URL``, ``DOPPEL_TEST_DB``), so a suite holds no credential.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from tools.testcases.model import Scenario, TestPlan

RESOURCE = "doppel.resource"
RECORDS = "records.json"
SEP = "    "
NOT_AUTOMATED = "doppel-not-automated"
PARTIAL = "doppel-partial"
LIBRARY = "tools.testcases.keywords.DoppelKeywords"


def robot_value(value: object) -> str:
    """One literal argument cell: variables, comments, separators and named-argument signs escaped."""
    text = str(value)
    if text == "":
        return "${EMPTY}"
    text = text.replace("\\", "\\\\")
    text = re.sub(r"([$@&%])\{", r"\\\1{", text)
    text = text.replace("=", "\\=")
    text = re.sub(r" {2,}", lambda m: " " + "${SPACE}" * (len(m.group()) - 1), text)
    text = text.replace("\n", "\\n").replace("\t", "\\t")
    if text.startswith(" "):
        text = "${SPACE}" + text[1:]
    if text.endswith(" "):
        text = text[:-1] + "${SPACE}"
    if text.startswith("#"):
        text = "\\" + text
    return text


def _doc(text: str, indent: str = "") -> str:
    """Documentation text: one line per continuation row (``indent`` inside a test), escaped."""
    lines = [robot_value(line) for line in text.strip().splitlines() if line.strip()]
    return f"\n{indent}...{SEP}".join(lines) if lines else "${EMPTY}"


def _row(*cells: object) -> str:
    return SEP + SEP.join(str(c) for c in cells)


def _tag(text: str) -> str:
    return robot_value(re.sub(r"\s+", "_", text.strip()))


def resource_file(rest_url: str, database: str) -> str:
    """The resource every suite imports (``database`` without its password: a real one comes from
    ``DOPPEL_TEST_DB``)."""
    return "\n".join(
        [
            "*** Settings ***",
            "Documentation     Doppel's test resource: the target systems, the synthetic records, browser keywords.",
            "Library           Collections",
            "Library           RequestsLibrary",
            "Library           DatabaseLibrary",
            "Library           SeleniumLibrary    run_on_failure=Capture Failure Screenshot    timeout=10s",
            f"Library           {LIBRARY}    ${{CURDIR}}",
            "",
            "*** Variables ***",
            f"${{REST_URL}}       %{{DOPPEL_TEST_REST_URL={robot_value(rest_url)}}}",
            f"${{TARGET_DB}}      %{{DOPPEL_TEST_DB={robot_value(database)}}}",
            "${CHROMIUM}       %{DOPPEL_CHROMIUM=/usr/bin/chromium}",
            "${CHROMEDRIVER}    %{DOPPEL_CHROMEDRIVER=/usr/bin/chromedriver}",
            "${JIRA_KEY}       doppel",
            "",
            "*** Keywords ***",
            "Connect Target Database",
            "    [Documentation]    Connect DatabaseLibrary to the target database (an SQLAlchemy URL).",
            "    Connect Database By Url    ${TARGET_DB}",
            "",
            "Open Record Page",
            "    [Documentation]    The REST target's page of one record, in headless Chromium (Debian's).",
            "    [Arguments]    ${resource}    ${key}",
            "    ${path}=    Record Path    ${resource}    ${key}",
            "    Open Browser    ${REST_URL}/ui${path}    headlesschrome"
            '    options=binary_location="${CHROMIUM}";add_argument("--no-sandbox");add_argument("--disable-gpu");'
            'add_argument("--disable-dev-shm-usage");add_argument("--window-size=1280,900")'
            '    service=executable_path="${CHROMEDRIVER}"',
            "",
            "Capture Failure Screenshot",
            "    [Documentation]    A screenshot named by the Jira key, kept with the results.",
            "    Capture Page Screenshot    ${JIRA_KEY}-{index}.png",
            "",
        ]
    )


def suite_file(plan: TestPlan, scenario: Scenario) -> str:
    title = f"{plan.key} {plan.summary}"
    out = ["*** Settings ***", f"Name              {robot_value(title)}"]
    doc = [f"Jira {plan.key} ({plan.format}): {plan.summary}"]
    if scenario.url:
        doc.append(scenario.url)
    if plan.table:
        doc.append(
            f"Records: {len(plan.records)} of {plan.candidates} in {plan.table} by {plan.key_column}"
            + (f" satisfying {plan.selection}" if plan.selection else "")
        )
    doc += plan.notes
    out.append(f"Documentation     {_doc(chr(10).join(doc))}")
    out.append(f"Resource          {RESOURCE}")
    if plan.uses_database and plan.automated:
        out += ["Suite Setup       Connect Target Database", "Suite Teardown    Disconnect From All Databases"]
    if plan.uses_browser and plan.automated:
        out.append("Test Teardown     Close All Browsers")
    out += ["", "*** Variables ***", f"${{JIRA_KEY}}       {robot_value(plan.key)}"]
    if plan.table:
        out += [f"${{TABLE}}          {robot_value(plan.table)}", f"${{KEY}}            {robot_value(plan.key_column)}"]
    records = SEP.join(robot_value(k) for k in plan.records)
    out.append("@{RECORDS}        " + (records or "@{EMPTY}"))
    out += ["", "*** Test Cases ***", robot_value(title)]
    out.append(_row("[Documentation]", _doc(_steps_doc(scenario), SEP)))
    tags = [plan.key, *plan.labels]
    if not plan.automated:
        tags.append(NOT_AUTOMATED)
    elif plan.unmapped:
        tags.append(PARTIAL)
    out.append(_row("[Tags]", *(_tag(t) for t in dict.fromkeys(tags))))
    out += _body(plan)
    return "\n".join(out) + "\n"


def _steps_doc(s: Scenario) -> str:
    if s.format == "gherkin":
        return "\n".join(f"{step.keyword} {step.text}" for step in s.gherkin)
    parts = []
    if s.objective:
        parts.append(f"Objective: {s.objective}")
    parts += [f"Precondition: {p}" for p in s.preconditions]
    parts += [f"Step {i}: {step}" for i, step in enumerate(s.steps, 1)]
    parts += [f"Expected: {e}" for e in s.expected]
    return "\n".join(parts) or s.summary


def _body(plan: TestPlan) -> list[str]:
    if not plan.automated:
        reasons = plan.unmapped or plan.notes or ["no step could be turned into a check"]
        return [_row("Skip", robot_value("Not automated by Doppel: " + "; ".join(reasons)))]
    lines: list[str] = []
    if plan.unmapped:
        lines.append(
            _row("Log", robot_value("Not checked (Doppel could not read): " + "; ".join(plan.unmapped)), "WARN")
        )
    if plan.rest is not None or plan.page is not None:
        lines += _rest_body(plan)
    if plan.uses_database:
        lines.append(_row("Records Should Exist", "${TABLE}", "${KEY}", "@{RECORDS}"))
        for check in plan.checks:
            lines.append(f"{SEP}# {check.source}")
            lines.append(_row("Records Should Satisfy", "${TABLE}", "${KEY}", robot_value(check.rule), "@{RECORDS}"))
        for ref in plan.references:
            lines.append(f"{SEP}# {ref.source}")
            lines.append(
                _row(
                    "References Should Resolve",
                    "${TABLE}",
                    "${KEY}",
                    robot_value(ref.column),
                    robot_value(ref.parent_table),
                    robot_value(ref.parent_column),
                    "@{RECORDS}",
                )
            )
    return lines


def _rest_body(plan: TestPlan) -> list[str]:
    key = plan.records[0]
    lines = []
    overrides = plan.rest.overrides if plan.rest is not None else {}
    named = [f"{robot_value(k)}={robot_value(v)}" for k, v in overrides.items()]
    lines.append(_row("${record}=", "Synthetic Record", "${TABLE}", robot_value(key), *named))
    if plan.rest is not None:
        call = plan.rest
        path = f"/{quote(call.resource)}"
        if call.fresh:
            lines.append(_row("Remove From Rest Target", robot_value(call.resource), robot_value(key)))
        status = str(call.expect_status) if call.expect_status is not None else "any"
        lines.append(_row("${response}=", "POST", f"${{REST_URL}}{robot_value(path)}", "json=${record}",
                          f"expected_status={status}"))  # fmt: skip
        if call.error_field:
            lines.append(_row("Response Should Name Field", "${response}", robot_value(call.error_field)))
    if plan.page is not None:
        lines.append(_row("Open Record Page", robot_value(plan.page.resource), robot_value(key)))
        for name in plan.page.fields:
            lines.append(_row("Element Text Should Be", f"id:field-{robot_value(name)}", f"${{record}}[{name}]"))
    return lines
