"""The scenarios of a run from Jira (JQL), parsed."""

from __future__ import annotations

from tools.atlassian.jira import Issue, JiraClient
from tools.errors import DoppelError
from tools.testcases.model import Scenario
from tools.testcases.parse import parse_scenario

BUG_LABEL = "doppel-bug"  # the label of the Bugs Doppel opens (tools.atlassian.jira_sync)


def scenario_of(issue: Issue) -> Scenario:
    return parse_scenario(
        issue.key,
        issue.summary,
        issue.description,
        project=issue.project,
        priority=issue.priority,
        labels=list(issue.labels),
        url=issue.url,
    )


def fetch_scenarios(client: JiraClient, jql: str, limit: int = 500) -> list[Scenario]:
    """Every issue the JQL finds, parsed (in Jira's order); none found is a user error naming the query."""
    issues = [i for i in client.search(jql, limit=limit) if BUG_LABEL not in i.labels]  # never Doppel's own Bugs
    if not issues:
        raise DoppelError(f"Jira: no scenarios match the JQL {jql!r}")
    return [scenario_of(issue) for issue in issues]
