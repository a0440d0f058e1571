"""`dwdiag demo`: the same sweep as `dwdiag scan`, against the emulated demo tenant.

The emulator is imported here and nowhere else in dwdiag, lazily, so the Function Compute code
package (which does not ship the emulator) never needs it.
"""

from __future__ import annotations

from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

from dwdiag.clients import Credentials
from dwdiag.clients.retry import RetryPolicy
from dwdiag.errors import UserError
from dwdiag.models.findings import Category
from dwdiag.models.run import RunResult
from dwdiag.scan import Sweep, scan
from dwdiag.settings import Settings

# The demo world's own key pair: it opens nothing but the emulator.
DEMO_CREDENTIALS = Credentials("AKIDdemo", "demoSecret")
SERVED_PRODUCTS = ("dataworks", "maxcompute", "actiontrail", "ram", "sts")


@contextmanager
def demo_tenant() -> Iterator[Any]:
    try:
        from dwdiag_emulator import Emulator
    except ImportError:
        raise UserError("dwdiag demo needs the dwdiag_emulator package; install the project with "
                        "./scripts/demo or pip install -e .") from None
    world = resources.files("dwdiag_emulator.worlds").joinpath("demo.yaml")
    emulator = Emulator(Path(str(world)))
    with emulator.running():
        yield emulator


def endpoints_for(emulator: Any) -> dict[str, dict[str, str]]:
    """Each region of the emulator listens on its own port, as each real region has its own host."""
    return {product: {region: emulator.url(region) for region in emulator.endpoints} for product in SERVED_PRODUCTS}


def run_demo(settings: Settings, categories: Optional[list[Category]] = None,
             progress: Optional[Callable[[str], None]] = None, cache_store: Any = None) -> RunResult:
    with demo_tenant() as emulator:
        # Quick retries: the demo tenant's throttling faults never clear, and nobody should wait on them.
        sweep = Sweep(settings, DEMO_CREDENTIALS, endpoints_for(emulator),
                      retry=lambda deadline: RetryPolicy(deadline=deadline, base_delay=0.02, max_attempts=3))
        return scan(settings, regions=list(emulator.endpoints), categories=categories, sweep=sweep,
                    now=emulator.backend.now(), source="demo", progress=progress, cache_store=cache_store)
