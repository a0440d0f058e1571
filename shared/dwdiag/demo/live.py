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


# What `dwdiag demo --watch` changes in the tenant after its sweep, as an operator would at run time: each
# change records the ActionTrail event the real call makes (dwdiag_emulator/changes.py).
WATCH_CHANGES = (
    {"kind": "add_workspace_member_role", "workspace_id": 10001, "user_id": "200000000000003", "actor": "ops-mallory"},
    {"kind": "add_workspace_member_role", "workspace_id": 10001, "user_id": "200000000000004", "actor": "ops-mallory"},
    {"kind": "set_project_protection", "project": "finance_prod", "protected": False, "actor": "ops-mallory"},
    {"kind": "stop_logging", "name": "sg-trail", "actor": "ops-mallory"},
)
WATCH_INTERVAL_S = 600  # the watch's timer


def run_demo_and_watch(settings: Settings, *, store: Any, watch_send: Any = None, **run: Any) -> tuple[RunResult, Any]:
    """run_demo, then the watch as it would follow: it starts following, the tenant changes (WATCH_CHANGES),
    and the next watch, one interval later, re-checks what the events name and alerts through `watch_send`."""
    from dwdiag.watch.run import watch, watch_sweep

    if store is None:
        raise UserError("dwdiag demo --watch keeps the watch's cursor in the output folder: give --output DIR")
    with demo_tenant() as emulator:
        now = emulator.backend.now()
        result = pipeline.run(settings, source="demo", sweep=demo_sweep(settings, emulator), store=store,
                              regions=list(emulator.endpoints), now=now, **run)

        def watcher() -> Sweep:
            return watch_sweep(settings, DEMO_CREDENTIALS, endpoints=endpoints_for(emulator),
                               retry=lambda deadline: RetryPolicy(deadline=deadline, base_delay=0.02, max_attempts=3))

        regions = list(emulator.endpoints)
        watch(settings, watcher(), store, None, now=now, regions=regions)  # it starts following from here
        for change in WATCH_CHANGES:
            emulator.change(**change)
        emulator.advance(WATCH_INTERVAL_S + emulator.world.actiontrail_delivery_seconds)
        done = watch(settings, watcher(), store, watch_send, now=emulator.backend.now(), regions=regions)
    return result, done


def run_organization_demo(settings: Settings, **run: Any) -> RunResult:
    """organization.run over the emulated Resource Directory: the management account, two members swept
    through their roles, one member that refuses its role, one not yet created (`run` as for run_demo)."""
    with demo_tenant("organization.yaml") as emulator:
        settings = settings.model_copy(update={"accounts": "resource-directory"})
        regions = list(emulator.endpoints)  # every account's regions: the servers listen on all of them
        return organization.run(settings, source="demo", sweep=demo_sweep(settings, emulator, ORGANIZATION_CREDENTIALS),
                                regions=regions, now=emulator.backend.now(), **run)

