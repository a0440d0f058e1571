"""Writing a run into the store and reading it back: where things go (layout), what changed since the
last run (diff), a part's documents (writer), the parts of a run (shards), the run-level documents
derived from them (aggregate), the report's history, and how long it all stays (retention)."""

from __future__ import annotations

from dwdiag.publish.diff import Diff, Diffs, diff_run
from dwdiag.publish.writer import prefix_of, write_run, write_summary

__all__ = ["Diff", "Diffs", "diff_run", "prefix_of", "write_run", "write_summary"]
