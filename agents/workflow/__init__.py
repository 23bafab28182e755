"""The resumable run engine: stages ingest -> ... -> report with checkpoints, approvals and retries.

Other layers use ``agents.workflow.api`` only.
"""
