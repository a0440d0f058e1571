"""A run over several accounts (DWDIAG_ACCOUNTS): each account is a part of one run, swept in its own
session (the member role, assumed), all at once, since quotas are per account and region.

    the accounts (listed, filtered)  ->  the run's places recorded  ->  per account: pipeline.run as a part
      ->  the run-level documents derived by the last part to finish (publish/aggregate.py)

A member whose role cannot be assumed is still a part: every item of it is an `error` that names the role
and the fix, and every other account is swept as usual. With DWDIAG_ACCOUNTS=self this is pipeline.run.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Optional, Sequence

from dwdiag import pipeline
from dwdiag.alert.deliver import Send, deliver_organization, robots_for
from dwdiag.clients import ClientError
from dwdiag.errors import UserError
from dwdiag.collectors.accounts import Accounts, Member, member_credentials, refused, resolve_accounts
from dwdiag.models.common import CallError
from dwdiag.models.findings import Category
from dwdiag.models.run import RunResult, new_run_id, utcnow
from dwdiag.models.snapshot import EvidenceSnapshot
from dwdiag.models.summary import RunSummary
from dwdiag.publish import history, layout, shards
from dwdiag.settings import Settings
from dwdiag.store import Store
from dwdiag.sweep import Sweep
from dwdiag.waivers import Waiver

log = logging.getLogger(__name__)
MAX_ACCOUNTS_AT_ONCE = 8


def run(settings: Settings, *, source: str, sweep: Sweep, regions: Optional[list[str]] = None,
        categories: Optional[list[Category]] = None, now: Optional[datetime] = None, run_id: Optional[str] = None,
        waivers: Sequence[Waiver] = (), store: Optional[Store] = None, send: Optional[Send] = None,
        progress: Optional[Callable[[str], None]] = None, alert: bool = True) -> RunResult:
    """Sweep the accounts DWDIAG_ACCOUNTS names with `sweep`'s endpoints and settings (its credentials are
    the scanning account's), as one run; returns the run as a whole (every account's findings). `send` is
    the default robot; with `alert`, each account's findings go to its route's robot (DWDIAG_ALERT_ROUTES)
    or the default one, which also gets the organization's digest."""
    regions = list(regions or settings.regions)
    categories = list(categories or settings.categories)
    accounts = resolve_accounts(settings, sweep.session(regions[0]))
    if not accounts.organization:
        return pipeline.run(settings, source=source, sweep=sweep, regions=regions, categories=categories, now=now,
                            run_id=run_id, waivers=waivers, store=store, send=send, progress=progress)
    started = utcnow()
    run_id = run_id or new_run_id(started)
    now = now or started
    if not accounts.members:
        return _nobody(settings, accounts, source, run_id, started, now, regions, categories, store)
    if store is not None:  # the run is every member's places; the last part to finish derives the run's documents
        places = [layout.place(m.account_id, r) for m in accounts.members for r in regions]
        for category in categories:
            shards.expect(store, run_id, category.value, places, layout.run_prefix(run_id), accounts=known(accounts))
    scanner = sweep.session(regions[0])
    me = sweep.whoami(regions[0])  # the scanning account sweeps itself with its own credentials, no role
    log.info("run %s: %d account(s) to sweep, %d left out", run_id, len(accounts.members), len(accounts.left_out))

    def one(member: Member) -> RunResult:
        if member.account_id == me:
            return _part(sweep, member, None)
        credentials = member_credentials(settings, scanner, member, run_id)
        unreachable = None
        try:
            credentials.check()
        except ClientError as err:
            unreachable = refused(settings, member, err)
        except Exception as exc:  # noqa: BLE001 - one account's trouble never stops the others
            unreachable = refused(settings, member, ClientError("sts", "AssumeRole", type(exc).__name__))
        if unreachable is not None:
            log.warning("account %s: %s", member.account_id, unreachable.message)
        return _part(sweep.in_account(credentials), member, unreachable)

    def _part(member_sweep: Sweep, member: Member, unreachable: Optional[CallError]) -> RunResult:
        mine = {member.account_id: {**member.about(),
                                    "swept": "no: its role could not be assumed" if unreachable else "yes"}}
        robots = robots_for(settings, member.account_id, member.folder_for(settings.alert_routes),
                            deadline=member_sweep.deadline, default=send) if alert else None
        result = pipeline.run(settings, source=source, sweep=member_sweep, regions=regions,
                              categories=categories, now=now, run_id=run_id, waivers=waivers, store=store,
                              send=robots, shard=True, progress=progress, account=member.account_id,
                              unreachable=unreachable, accounts=mine)
        assert isinstance(result, RunResult)  # not resumable here: it runs to its end
        return result

    def guarded(member: Member) -> RunResult | str:
        try:
            return one(member)
        except Exception as exc:  # noqa: BLE001 - its part recorded why (pipeline.run); the others go on
            log.exception("account %s: its part of run %s failed", member.account_id, run_id)
            return f"account {member.account_id}: its part failed ({type(exc).__name__}); see its record"

    # The largest accounts first (by the last run's plan of their pieces), when there are more than run at once.
    order = list(dict.fromkeys(p.member for p in plan(store, accounts, regions, categories[0].value)))
    with ThreadPoolExecutor(max_workers=min(len(accounts.members), MAX_ACCOUNTS_AT_ONCE),
                            thread_name_prefix="dwdiag-account") as pool:
        results = list(pool.map(guarded, order))
    if store is not None and alert and send is not None:  # every part is done: the digest goes out once
        outcome = deliver_organization(store, layout.run_prefix(run_id), settings, send)
        log.info("the organization's digest of run %s: %s", run_id, outcome)
    done = [r for r in results if isinstance(r, RunResult)]
    if not done:
        raise UserError(f"no account of run {run_id} could be swept: {'; '.join(map(str, results))}")
    return whole(done, accounts, [r for r in results if isinstance(r, str)])


def known(accounts: Accounts) -> dict[str, dict[str, str]]:
    """What the run's summary says of each account before any is swept: those left out and why, and the
    names, folders and statuses of the others."""
    return {**{m.account_id: m.about() for m in accounts.members}, **accounts.left_out}


def whole(results: list[RunResult], accounts: Accounts, failed: Sequence[str] = ()) -> RunResult:
    """The accounts' results as one run: every finding, one summary (with the parts that failed)."""
    summary = RunSummary.combine([r.summary for r in results], shards=None, organization=True)
    summary.problems += list(failed)
    for account, about in known(accounts).items():
        summary.accounts[account] = {**about, **summary.accounts.get(account, {})}
    summary.accounts = dict(sorted(summary.accounts.items()))
    first = results[0]
    return RunResult(run_id=first.run_id, snapshot=EvidenceSnapshot(collected_at=first.snapshot.collected_at,
                                                                    regions=[]),
                     findings=[f for r in results for f in r.findings], summary=summary, categories=first.categories)


def _nobody(settings: Settings, accounts: Accounts, source: str, run_id: str, started: datetime, now: datetime,
            regions: list[str], categories: list[Category], store: Optional[Store]) -> RunResult:
    summary = RunSummary.build([], run_id=run_id, source=source, started_at=started, finished_at=utcnow(),
                               evaluated_at=now, regions=regions, categories=categories,
                               accounts=dict(accounts.left_out),
                               problems=["no account to sweep: DWDIAG_ACCOUNTS, DWDIAG_ACCOUNT_FOLDERS and "
                                         "DWDIAG_EXCLUDE_ACCOUNTS leave none"])
    if store is not None:
        store.write(f"{layout.run_prefix(run_id)}/{layout.SUMMARY}", summary.model_dump(mode="json"))
    return RunResult(run_id=run_id, snapshot=EvidenceSnapshot(collected_at=started, regions=[]), findings=[],
                     summary=summary, categories=categories)


@dataclass
class Piece:
    """One (account, region) of an organization run: what one Function Compute invocation sweeps."""

    member: Member
    region: str
    estimate_s: Optional[float] = None  # its quota-bound time in the last run that swept it, if any

    @property
    def place(self) -> str:
        return layout.place(self.member.account_id, self.region)


def plan(store: Optional[Store], accounts: Accounts, regions: list[str], category: str) -> list[Piece]:
    """The run's pieces, the largest first: each (account, region) takes at least its quota bound, and
    quotas are per account and region, so the run lasts as long as its largest piece if that one starts
    first. The size of a piece is its plan in the last run that swept it (its part record); a piece never
    swept yet counts as the largest, so it starts early."""
    pieces = [Piece(m, r) for m in accounts.members for r in regions]
    if store is not None:
        known = estimates(store, [p.place for p in pieces], category)
        for piece in pieces:
            piece.estimate_s = known.get(piece.place)
    return sorted(pieces, key=lambda p: (p.estimate_s is not None, -(p.estimate_s or 0.0), p.place))


def estimates(store: Store, places: list[str], category: str, looked_at: int = 50) -> dict[str, float]:
    """Seconds at least per place, from the part records of the last finished run of `category` in the store
    (each category's function writes its own runs; the newest `looked_at` history entries are searched)."""
    try:
        runs = list(history.run_ids(store))
    except Exception:  # noqa: BLE001 - without estimates the pieces go in their plain order
        log.warning("no history to plan the run's pieces from")
        return {}
    for run_id in reversed(runs[-looked_at:]):
        try:
            entry = store.read(layout.history_entry(run_id))
        except Exception:  # noqa: BLE001 - a broken entry only costs the estimate
            continue
        if isinstance(entry, dict) and category in (entry.get("categories") or []):
            return _estimates_of(store, str(entry.get("run_id") or ""), places, category)
    return {}


def _estimates_of(store: Store, run_id: str, places: list[str], category: str) -> dict[str, float]:
    try:
        prefix = layout.run_prefix(run_id)
    except ValueError:
        return {}
    out: dict[str, float] = {}
    for where in places:
        try:
            record = store.read(layout.part_record(prefix, category, where))
        except Exception:  # noqa: BLE001 - a broken record only costs the estimate
            continue
        plan_ = ((record or {}).get("summary") or {}).get("plan") or {}
        seconds = _whole_seconds(plan_.get(layout.region_of(where)) or {})
        if seconds is not None:
            out[where] = seconds
    return out


def _whole_seconds(plan_: dict) -> Optional[float]:
    """A part's plan is that of its last piece, which counts only what was left to collect: scaled up to the
    whole place by its items. A last piece that only published has no measure of the place (None: treated as
    the largest, like a place never swept)."""
    seconds = plan_.get("seconds_at_least")
    if not isinstance(seconds, (int, float)):
        return None
    counts = [plan_.get(k) for k in ("workspaces", "projects", "workspaces_left", "projects_left")]
    if not all(isinstance(c, int) for c in counts):
        return float(seconds)
    whole, left = counts[0] + counts[1], counts[2] + counts[3]
    if left == 0:
        return None if whole else float(seconds)
    return float(seconds) * max(whole, left) / left
