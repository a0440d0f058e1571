"""Where things are, and the moment the demo tenant's world is set at."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO_EVIDENCE = ROOT / "shared" / "dwdiag" / "demo" / "evidence.json"
# The demo world's "now": sweeps of the emulated demo tenant evaluate at this time.
WORLD_NOW = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)
