"""The HTML report of a run: one self-contained page, rendered a piece at a time.

Rendering only; dwdiag.publish writes the page into the store with the run's history.
"""

from __future__ import annotations

from dwdiag.report.html import HTML_CONTENT_TYPE, iter_report_parts, iter_run_report_parts

__all__ = ["HTML_CONTENT_TYPE", "iter_report_parts", "iter_run_report_parts"]
