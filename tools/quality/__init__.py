"""Evaluate synthetic data against the production sample it imitates: fidelity, validity, privacy, utility."""
