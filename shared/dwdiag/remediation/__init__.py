"""Remediation plans: how to fix a failed finding, step by step, from the official documentation."""

from dwdiag.remediation.plan import plan_for, render_call

__all__ = ["plan_for", "render_call"]
