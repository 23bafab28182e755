"""Jira and Confluence through ``atlassian-python-api``: Server/Data Center or Cloud, retried, audited."""
