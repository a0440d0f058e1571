"""`dwdiag demo`: the same sweep as `dwdiag scan`, against the emulated demo tenant.

The emulator is imported here and nowhere else in dwdiag, lazily, so the Function Compute code
package (which does not ship the emulator) never needs it.
"""

from __future__ import annotations

from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

from dwdiag import organization, pipeline
from dwdiag.clients import Credentials
from dwdiag.clients.retry import RetryPolicy
from dwdiag.errors import UserError
from dwdiag.models.run import RunResult
from dwdiag.settings import Settings
from dwdiag.sweep import Sweep

# The demo world's own key pair: it opens nothing but the emulator.
DEMO_CREDENTIALS = Credentials("AKIDdemo", "demoSecret")
SERVED_PRODUCTS = ("dataworks", "maxcompute", "actiontrail", "ram", "sts", "resourcedirectory")
# The emulated organization (dwdiag_emulator/worlds/organization.yaml): its management account's scanner
# key, a RAM user's, as a scanner's would be (STS refuses to let a root key assume a role).
ORGANIZATION_CREDENTIALS = Credentials("AKIDorgScanner", "orgScannerSecret")


@contextmanager
def demo_tenant(world_file: str = "demo.yaml") -> Iterator[Any]:
    try:
        from dwdiag_emulator import Emulator
    except ImportError:
        raise UserError("dwdiag demo needs the dwdiag_emulator package; install the project with "
                        "./scripts/demo or pip install -e .") from None
    world = resources.files("dwdiag_emulator.worlds").joinpath(world_file)
    emulator = Emulator(Path(str(world)))
    with emulator.running():
        yield emulator


def endpoints_for(emulator: Any) -> dict[str, dict[str, str]]:
    """Each region of the emulator listens on its own port, as each real region has its own host."""
    return {product: {region: emulator.url(region) for region in emulator.endpoints} for product in SERVED_PRODUCTS}


def demo_sweep(settings: Settings, emulator: Any, credentials: Credentials = DEMO_CREDENTIALS) -> Sweep:
    """A sweep of the emulated tenant, with quick retries: its throttling faults never clear, and nobody
    should wait on them."""
    return Sweep(settings, credentials, endpoints_for(emulator),
                 retry=lambda deadline: RetryPolicy(deadline=deadline, base_delay=0.02, max_attempts=3))


def run_demo(settings: Settings, **run: Any) -> RunResult:
    """pipeline.run over the demo tenant (`run` takes its store, categories, waivers, send, run_id...)."""
    with demo_tenant() as emulator:
        return pipeline.run(settings, source="demo", sweep=demo_sweep(settings, emulator),
                            regions=list(emulator.endpoints), now=emulator.backend.now(), **run)


def run_organization_demo(settings: Settings, **run: Any) -> RunResult:
    """organization.run over the emulated Resource Directory: the management account, two members swept
    through their roles, one member that refuses its role, one not yet created (`run` as for run_demo)."""
    with demo_tenant("organization.yaml") as emulator:
        settings = settings.model_copy(update={"accounts": "resource-directory"})
        regions = list(emulator.endpoints)  # every account's regions: the servers listen on all of them
        return organization.run(settings, source="demo", sweep=demo_sweep(settings, emulator, ORGANIZATION_CREDENTIALS),
                                regions=regions, now=emulator.backend.now(), **run)

