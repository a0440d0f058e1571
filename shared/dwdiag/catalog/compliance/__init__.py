"""Compliance mappings: data files only (loaded by dwdiag.compliance). A package so the YAML ships in the wheel."""
