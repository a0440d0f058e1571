"""Writing a run into the store and reading it back: where things go (layout), what changed since the
last run (diff), a part's documents (writer), the parts of a run (shards), the run-level documents
derived from them (aggregate), the report's history."""

from __future__ import annotations

from dwdiag.models.run import RunResult
from dwdiag.publish.diff import Diff, Diffs, diff_run
from dwdiag.publish.writer import prefix_of, write_run, write_summary
from dwdiag.store import Store

__all__ = ["Diff", "Diffs", "diff_run", "prefix_of", "publish", "write_run", "write_summary"]


def publish(store: Store, result: RunResult) -> tuple[list[str], Diffs]:
    """Compare the run with the last one in the store, then write it; returns the keys and the diffs."""
    diffs = diff_run(store, result)
    return write_run(store, result, diffs), diffs
