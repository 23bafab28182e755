"""Synthesis from a production sample: SDV learns the non-sensitive structure, Doppel regenerates the
sensitive columns, re-applies the observed quality issues and constraints, and proves that no
production value or row was copied. Entry point: :func:`tools.synth.pipeline.synthesize`."""
