"""Local stand-ins for the systems Doppel talks to: Bedrock (bedrock.py), Confluence, Jira, Salesforce and a
REST target (confluence.py, jira.py, salesforce.py, rest.py on base.py); suite.py starts them together."""
