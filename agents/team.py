"""The agents: a supervisor with five specialists as tools ("agents as tools"), each with its capabilities.

Every specialist gets exactly its registered capabilities (``tools/capability``, adapted once by
``agents.strands_adapter``); the supervisor gets the specialists through ``Agent.as_tool`` (so their
events stream up to it) plus the run tools. The distribution specialist lists, checks, loads into and
unloads from targets (``tools/capability/targets.py``); test_case has the scenario tools (fetch Jira
scenarios, write Robot suites), test_execution the run and Jira-sync tools (``tools/capability/testing.py``).
Models come from settings only.
"""

from __future__ import annotations

from typing import Any

from strands import Agent
from strands.hooks import BeforeToolCallEvent, HookProvider, HookRegistry

from agents.model_audit import model_hooks
from agents.models.factory import build_model
from agents.run_tools import run_tools
from agents.strands_adapter import specialist_tools
from tools.capability.registry import SPECIALISTS, Specialist
from tools.settings import Settings
from tools.workspace import workspace_of

ROLES: dict[Specialist, str] = {
    "data_processor": "Reads production samples, profiles them and finds the sensitive columns, with evidence.",
    "synthetic_data": "Generates synthetic data from a schema or a sample, anonymises, evaluates and exports it.",
    "distribution": "Loads synthetic data into target systems (databases, Salesforce, REST APIs, storage).",
    "test_case": "Turns Jira test scenarios into Robot Framework suites that use the synthetic records.",
    "test_execution": "Runs the test suites, collects results and reports them back to Jira.",
}

SUPERVISOR_PROMPT = """You are Doppel's supervisor. You turn samples of production data into safe, realistic
synthetic test data and carry it through the test cycle. Delegate work to the specialist that owns it:
data_processor (profile, classify, explain), synthetic_data (generate, synthesise, anonymise, evaluate),
distribution, test_case and test_execution. Use run_workflow for a whole playbook run, and the run tools to
follow, approve and explain runs. Never show production values; quote counts, column names and paths."""

NO_TOOLS = "no tools yet: this specialist's stages are skipped until they are built"


def specialist_prompt(name: Specialist) -> str:
    return f"You are Doppel's {name} agent. {ROLES[name]} Use your tools; answer from their results, briefly."


def build_specialist(name: Specialist, settings: Settings) -> Agent:
    """One specialist agent with its capabilities as tools."""
    tools = specialist_tools(name, workspace_of(settings))
    return Agent(
        name=name,
        description=ROLES[name] if tools else f"{ROLES[name]} ({NO_TOOLS})",
        model=build_model(settings, agent=name),
        tools=list(tools),
        system_prompt=specialist_prompt(name),
        hooks=[*model_hooks(settings, name)],
        callback_handler=None,
    )


class ApprovalGate(HookProvider):
    """Asks a person before a tool acts beyond Doppel's own folders: loading data into target systems, running
    tests against them and reporting to Jira (test_execution), or a workflow run told to approve its own
    approval points. The agent stops with an ``interrupt``;
    answer ``yes`` to go on, anything else cancels the call."""

    def __init__(self, gated: set[str] | None = None) -> None:
        self.gated = gated if gated is not None else {"distribution", "test_execution"}

    def register_hooks(self, registry: HookRegistry, **kwargs: Any) -> None:
        registry.add_callback(BeforeToolCallEvent, self.check)

    def check(self, event: BeforeToolCallEvent) -> None:
        name = event.tool_use["name"]
        arguments = event.tool_use.get("input") or {}
        auto_approve = name == "run_workflow" and isinstance(arguments, dict) and arguments.get("approve_all")
        if name not in self.gated and not auto_approve:
            return
        question = (
            f"Run {arguments.get('config')} approving every approval point without asking?"
            if auto_approve
            else f"Let the {name} agent act on target systems?"
        )
        answer = event.interrupt(f"approve:{name}", reason={"question": question, "tool": name})
        if str(answer).strip().lower() not in ("yes", "y", "approve", "ok"):
            event.cancel_tool = f"{name}: not approved by the user"


class SpecialistArguments(HookProvider):
    """Refuses a call to a specialist whose arguments are not a text request: Strands would otherwise run
    the specialist on an empty prompt (a model's malformed JSON arrives as ``{}``) or on ``str()`` of
    whatever came. The model gets the refusal back as the tool's error and can correct itself."""

    def __init__(self, specialists: set[str]) -> None:
        self.specialists = specialists

    def register_hooks(self, registry: HookRegistry, **kwargs: Any) -> None:
        registry.add_callback(BeforeToolCallEvent, self.check)

    def check(self, event: BeforeToolCallEvent) -> None:
        name = event.tool_use["name"]
        if name not in self.specialists:
            return
        arguments = event.tool_use.get("input")
        if not isinstance(arguments, dict):
            got = f"{type(arguments).__name__} arguments instead of an object"
        elif isinstance(request := arguments.get("input"), str) and request.strip():
            return
        else:
            got = "nothing" if request is None else f"{type(request).__name__} {str(request)[:40]!r}"
        event.cancel_tool = f"{name}: invalid arguments: 'input' must be a non-empty text request, got {got}"


def build_supervisor(settings: Settings) -> Agent:
    """The supervisor: the five specialists as tools, the run tools, and the approval gate."""
    specialists = [build_specialist(name, settings) for name in SPECIALISTS]
    tools: list[Any] = [agent.as_tool(name=agent.name, description=agent.description) for agent in specialists]
    tools += run_tools(settings)
    return Agent(
        name="supervisor",
        description="Doppel's supervisor",
        model=build_model(settings, agent="supervisor"),
        tools=tools,
        system_prompt=SUPERVISOR_PROMPT,
        hooks=[SpecialistArguments(set(SPECIALISTS)), ApprovalGate(), *model_hooks(settings, "supervisor")],
        callback_handler=None,
    )
