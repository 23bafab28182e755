"""Anonymisation for users who must keep the rows: mask, pseudonymise, generalise, perturb, measured by
k-anonymity and l-diversity. Entry point: :func:`tools.anonymise.pipeline.anonymise`."""
