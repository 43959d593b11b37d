"""Checks of template.yaml against the code (no AWS tooling needed)."""
