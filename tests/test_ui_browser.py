"""The chat UI as a person uses it: `doppel ui` on a free loopback port, driven in Debian's headless
Chromium (Playwright's Python package with ``executable_path``; no downloaded browser). Sign in, start
the Telecom demo, go through every pause, see steps, a chart and the report link, step back and forward
again, look into the workflow view, upload a CSV; a viewer may not start runs. Screenshots go to the
test's tmp folder. Assertions are on what the page shows."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, Page, expect, sync_playwright

from agents.state.users import add_user
from agents.workflow import api
from tests.browser import chromium
from tests.conftest import ROOT
from tests.workflow_support import env_for, settings_in, shop_config
from tools.settings import Settings

WAIT = 180_000  # ms: the longest a stage of the small demo may take on a busy machine
ENGINEER = ("erin", "erin-password")
VIEWER = ("victor", "victor-password")
expect.set_options(timeout=WAIT)


@dataclass(frozen=True)
class Served:
    url: str
    settings: Settings


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`doppel ui --port 0` in a fresh home and workspace; the workspace's telecom playbook is the bundled one
    made small (the starter resolves playbooks in the workspace first)."""
    workspace = tmp_path_factory.mktemp("workspace")
    home = workspace / ".doppel"
    settings = settings_in(home)
    add_user(settings, ENGINEER[0], "engineer", ENGINEER[1])
    add_user(settings, VIEWER[0], "viewer", VIEWER[1])
    document = yaml.safe_load((ROOT / "playbooks" / "telecom.yaml").read_text(encoding="utf-8"))
    document |= {"data": [str(ROOT / "playbooks" / "samples" / "telecom_customers.csv")], "rows": 80}
    document["sample_rows"] = 300
    (workspace / "playbooks").mkdir()
    (workspace / "playbooks" / "telecom.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    env = env_for(home, DOPPEL_WORKSPACE_ROOT=str(workspace))
    env.pop("DOPPEL_USER")
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "ui", "--port", "0", "--demo"],
        cwd=workspace,
        env=env | {"PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    url = None
    for line in proc.stdout:  # blocks until the server says it is listening (or exits)
        if found := re.search(r"Doppel UI ready: (http://\S+)", line):
            url = found[1]
            break
    try:
        assert url, "the UI did not start"
        yield Served(url, settings)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server(served: Served) -> str:
    return served.url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium(), headless=True, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


def sign_in(browser: Browser, url: str, who: tuple[str, str]) -> Page:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(WAIT)
    page.goto(url)
    page.get_by_label(re.compile("email|username|identifier", re.I)).first.fill(who[0])
    page.get_by_label(re.compile("password", re.I)).first.fill(who[1])
    page.get_by_role("button", name=re.compile("sign in|continue|login", re.I)).click()
    expect(page.get_by_text("Telecom demo")).to_be_visible()
    return page


def say(page: Page, text: str) -> None:
    """Type a chat message and send it once the chat is connected (the send button turns enabled)."""
    page.locator("#chat-input").fill(text)
    expect(page.locator("#chat-submit")).to_be_enabled()
    page.locator("#chat-submit").click()


def go_through_pauses(page: Page, shots: Path, prefix: str) -> int:
    """Press Next step / Approve at every pause until the run completes; the number of pauses."""
    done = page.get_by_text(re.compile(r"Run \S+ completed"))
    before = done.count()
    pauses = 0
    while True:
        button = page.get_by_role("button", name="Next step").or_(page.get_by_role("button", name="Approve"))
        expect(button.or_(done.nth(before))).to_be_visible()
        if done.count() > before:
            return pauses
        label = button.first.inner_text()
        page.screenshot(path=shots / f"{prefix}-{pauses}-{label.replace(' ', '_')}.png")
        button.first.click()
        expect(page.get_by_role("button", name=label)).to_have_count(0)  # the answered question loses its buttons
        pauses += 1


def test_telecom_demo_journey(server: str, browser: Browser, tmp_path: Path) -> None:
    page = sign_in(browser, server, ENGINEER)
    expect(page.get_by_text("demo mode: stand-in systems")).to_be_visible()
    expect(page.get_by_text("offline model")).to_be_visible()
    page.get_by_text("Telecom demo").click()
    expect(page.get_by_text(re.compile(r"Cost estimate before the run: \$"))).to_be_visible()
    expect(page.get_by_text("Read the sample", exact=False).first).to_be_visible()

    pauses = go_through_pauses(page, tmp_path, "forward")
    assert pauses == 5  # after ingest, classify (the approval), synthesise, evaluate, and before distribute
    expect(page.get_by_text(re.compile(r"Ingest · data_processor")).first).to_be_visible()
    expect(page.get_by_text(re.compile(r"Analysing 57 fields for PII patterns")).first).to_be_attached()
    expect(page.get_by_text(re.compile(r"Running cost: \$"))).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_be_attached()
    expect(page.get_by_text("Chart: Quality scores")).to_be_attached()
    expect(page.get_by_text("Chart: telecom_customers: correlations, real vs synthetic")).to_be_attached()
    report = page.get_by_role("link", name="Open the HTML report")
    expect(report).to_be_visible()
    page.screenshot(path=tmp_path / "completed.png")
    with page.expect_popup() as popup_info:
        report.click()
    opened = popup_info.value
    expect(opened.get_by_text(re.compile("quality", re.I)).first).to_be_visible()
    opened.close()

    page.locator(".js-plotly-plot").last.scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "chart.png")

    page.get_by_role("button", name="Previous step").click()
    expect(page.get_by_text("Back to the end of Evaluate")).to_be_visible()
    page.screenshot(path=tmp_path / "back.png")
    again = go_through_pauses(page, tmp_path, "again")
    assert again == 2  # after evaluate: its pause point, then the approval before distribute
    expect(page.get_by_text(re.compile(r"Run \S+ completed"))).to_have_count(2)

    workflow = page.locator("[data-stage='classify']").last
    workflow.scroll_into_view_if_needed()
    workflow.click()
    expect(page.locator("[data-details='classify']").get_by_text("telecom_customers.msisdn").first).to_be_visible()
    page.screenshot(path=tmp_path / "workflow.png")


def test_csv_upload_starts_a_run_on_it(server: str, browser: Browser, tmp_path: Path) -> None:
    page = sign_in(browser, server, ENGINEER)
    sample = tmp_path / "my_customers.csv"
    lines = ["id,name,email,plan"] + [
        f"{i},Person {i},p{i}@example.com,{'basic' if i % 2 else 'pro'}" for i in range(60)
    ]
    sample.write_text("\n".join(lines) + "\n", encoding="utf-8")
    say(page, "help")
    expect(page.get_by_text("to run on your own data")).to_be_visible()  # the chat session is up
    page.locator("input[type=file]").first.set_input_files(str(sample))
    expect(page.get_by_text("my_customers.csv").first).to_be_visible()
    say(page, "run this")
    expect(page.get_by_text("Stored my_customers.csv in the workspace")).to_be_visible()
    expect(page.get_by_text(re.compile("Review the sensitive columns"))).to_be_visible()
    page.screenshot(path=tmp_path / "upload.png")


def test_a_viewer_may_browse_but_not_start(served: Served, browser: Browser, tmp_path: Path) -> None:
    run = api.start_run(shop_config(approvals=[]), settings=served.settings)
    page = sign_in(browser, served.url, VIEWER)
    page.get_by_text("Telecom demo").click()
    expect(page.get_by_text("Your role (viewer) may not start or answer runs.")).to_be_visible()
    say(page, "runs")
    expect(page.get_by_text(run.run_id).first).to_be_visible()
    page.screenshot(path=tmp_path / "viewer.png")


def test_schema_editor_checks_as_you_type_then_generates(server: str, browser: Browser, tmp_path: Path) -> None:
    page = sign_in(browser, server, ENGINEER)
    page.get_by_text("Schema editor").click()
    expect(page.get_by_text("schema is valid")).to_be_visible()
    area = page.get_by_label("schema", exact=True)
    text = area.input_value()
    area.fill(text.replace("min: 18, max: 99", "min: 99, max: 18"))
    expect(
        page.get_by_text(re.compile(r"line \d+: tables\.customers\.fields\.age: max \(18\) is below min"))
    ).to_be_visible()
    page.screenshot(path=tmp_path / "schema-problem.png")
    area.fill(text.replace("rows: 1000", "rows: 40").replace("rows: 5000", "rows: 80"))
    expect(page.get_by_text("schema is valid")).to_be_visible()
    page.get_by_role("button", name="Generate from schema").click()
    expect(page.get_by_text("Schema saved to schemas/shop.yaml in the workspace.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Run \S+ completed"))).to_be_visible()
    page.screenshot(path=tmp_path / "schema-run.png")


def test_chat_with_the_supervisor_and_share_a_past_run(served: Served, browser: Browser, tmp_path: Path) -> None:
    """Free text goes to the supervisor (in its own process); a past run is exported and shared by a signed link."""
    server = served.url
    api.start_run(shop_config(approvals=[]), settings=served.settings)  # a past run to find (made the CLI's way)
    page = sign_in(browser, server, ENGINEER)
    say(page, f"profile {ROOT / 'playbooks' / 'samples' / 'bank_accounts.csv'}")
    expect(page.get_by_text(re.compile(r"Profiled 1 table\(s\): bank_accounts")).first).to_be_visible()
    expect(page.get_by_text("data_processor · profile_data")).to_be_visible()
    say(page, "runs")
    page.get_by_role("button", name=re.compile("^Open ")).first.click()
    page.get_by_role("button", name="Export archive").click()
    expect(page.get_by_text(re.compile("sha256 manifest"))).to_be_visible()
    page.get_by_role("button", name="Share link (24h)").click()
    link = page.get_by_role("link", name=re.compile(r"\.zip$")).last
    expect(link).to_be_visible()
    shared = page.request.get(server + str(link.get_attribute("href")))
    assert shared.status == 200 and shared.headers["content-type"] == "application/zip"
    assert page.request.get(server + "/doppel/share/forged.token").status == 403
    page.screenshot(path=tmp_path / "chat-and-share.png")
