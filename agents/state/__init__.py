"""Run state in a SQL database (SQLModel): runs, stage checkpoints, approvals, events and the audit trail.

SQLite at ``<home>/doppel.db`` by default, any SQLAlchemy URL by ``DOPPEL_DATABASE_URL``. Only metadata
is stored here (names, counts, hashes, paths): never a production value.
"""
