"""The fault suites print how many (API, fault) pairs they ran."""

from __future__ import annotations

from tests.faults import tally


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if tally.MATRIX_RAN or tally.PREFLIGHT_RAN:
        apis = {api for api, _ in tally.MATRIX_RAN}
        terminalreporter.write_line(
            f"fault matrix: {len(tally.MATRIX_RAN)} (API, fault) pairs run over {len(apis)} APIs, "
            f"{len(tally.MATRIX)} kept every promise, {len(tally.MATRIX_RAN - tally.MATRIX)} did not "
            f"(known bugs, strict xfail); STS GetCallerIdentity preflight: {len(tally.PREFLIGHT_RAN)} pairs run, "
            f"{len(tally.PREFLIGHT)} passed")
