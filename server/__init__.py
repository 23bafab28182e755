"""Doppel package."""
