"""The local stand-ins as pytest fixtures (a plugin, like tests/bedrock_support.py).

- ``mock_suite`` (module): Confluence, Jira, Salesforce (TLS) and the REST target on 127.0.0.1, port 0,
  state in a temporary folder; ``mocks`` (function): the same suite with no faults set.
  URLs: ``mocks.urls["jira"]`` ..., CA bundle for Salesforce: ``mocks.ca_bundle``.
- ``moto_s3`` (module): moto's S3-compatible server (``ThreadedMotoServer``), its endpoint URL.
- Helpers build Doppel settings and clients for them: ``confluence_settings``, ``jira_settings``,
  ``salesforce_session``, ``FAST_RETRY`` (retries without waiting).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from mocks.base import Faults
from mocks.suite import PASSWORD, SESSION_ID, TOKEN, USERNAME, MockSuite
from tools.settings import ConfluenceSettings, JiraSettings, RetrySettings

FAST_RETRY = RetrySettings(attempts=6, initial_delay=0.0, max_delay=0.0)
QUIET = Faults(rate=0.0, retry_after=0, hold=None)  # a held request waits for release(), never a clock
S3_CREDENTIALS = {"aws_access_key_id": "doppel", "aws_secret_access_key": "doppel", "region_name": "us-east-1"}


@pytest.fixture(scope="module")
def mock_suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockSuite]:
    with MockSuite(port=0, state_dir=tmp_path_factory.mktemp("mocks"), faults=QUIET) as suite:
        yield suite


@pytest.fixture
def mocks(mock_suite: MockSuite) -> MockSuite:
    """The module's stand-ins, with no faults."""
    mock_suite.set_faults(QUIET)
    return mock_suite


@pytest.fixture(scope="module")
def moto_s3() -> Iterator[str]:
    """moto's S3 server on 127.0.0.1 (any free port): its endpoint URL for boto3's ``endpoint_url``."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def confluence_settings(suite: MockSuite, **changes: Any) -> ConfluenceSettings:
    values: dict[str, Any] = {"url": suite.urls["confluence"], "username": USERNAME, "password": PASSWORD}
    return ConfluenceSettings.model_validate({**values, **changes})


def jira_settings(suite: MockSuite, **changes: Any) -> JiraSettings:
    values: dict[str, Any] = {"url": suite.urls["jira"], "token": TOKEN}
    return JiraSettings.model_validate({**values, **changes})


def salesforce_session(suite: MockSuite) -> requests.Session:
    """A requests session trusting the stand-in's self-signed certificate (and nothing from the environment)."""
    session = requests.Session()
    session.verify = suite.ca_bundle
    session.trust_env = False
    return session


__all__ = ["FAST_RETRY", "PASSWORD", "QUIET", "S3_CREDENTIALS", "SESSION_ID", "TOKEN", "USERNAME"]
