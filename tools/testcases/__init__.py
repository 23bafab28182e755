"""Test scenarios from Jira turned into Robot Framework suites over the synthetic records."""
