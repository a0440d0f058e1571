"""What the fault suites ran, for the count printed at the end of the session."""

MATRIX_RAN: set = set()  # (api id, fault name) pairs of the fault matrix that ran
MATRIX: set = set()      # ... and kept every promise (the rest are known bugs, marked xfail)
PREFLIGHT_RAN: set = set()  # (STS GetCallerIdentity, fault name) pairs
PREFLIGHT: set = set()
