"""The `dwdiag` command line."""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import contextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Iterator, Optional

from pydantic import ValidationError

from dwdiag import catalog, organization, pipeline
from dwdiag.errors import UserError, describe_validation
from dwdiag.evaluate import evaluate
from dwdiag.models.findings import Category
from dwdiag.models.run import RunResult, new_run_id, utcnow
from dwdiag.models.snapshot import EvidenceSnapshot
from dwdiag.publish import layout
from dwdiag.render import findings_report, items_table
from dwdiag.settings import ENV_PREFIX, SECRET_SETTINGS, Settings, unknown_environment_settings
from dwdiag.store import Store, open_store, store_from_settings

DEMO_OUTPUT = "dwdiag-output"
CATEGORIES = [c.value for c in Category]


def load_settings() -> Settings:
    for name in unknown_environment_settings():
        print(f"dwdiag: warning: {name} is not a dwdiag setting and is ignored", file=sys.stderr)
    try:
        return Settings()
    except ValidationError as exc:
        raise UserError(describe_validation(exc, what="invalid setting", env_prefix=ENV_PREFIX,
                                            secret_fields=SECRET_SETTINGS))
    except ValueError as exc:  # a list setting that is neither JSON nor comma-separated
        raise UserError(f"invalid setting: {exc}") from None


def load_snapshot(path: str) -> EvidenceSnapshot:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read evidence file {path}: {exc.strerror}") from None
    return parse_snapshot(text, path)


def parse_snapshot(text: str, name: str) -> EvidenceSnapshot:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    try:
        return EvidenceSnapshot.model_validate(raw)
    except ValidationError as exc:
        raise UserError(describe_validation(exc, what=f"{name} is not a dwdiag evidence snapshot")) from None


def demo_snapshot() -> EvidenceSnapshot:
    text = resources.files("dwdiag.demo").joinpath("evidence.json").read_text(encoding="utf-8")
    return parse_snapshot(text, "the bundled demo evidence")


def _parse_now(value: Optional[str]) -> Optional[datetime]:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"--now {value!r} is not an ISO 8601 time such as 2026-11-28T02:00:00Z") from None
    if moment.tzinfo is None:
        raise UserError("--now needs a time zone, such as 2026-11-28T02:00:00Z")
    return moment


def _print(result: RunResult, args: argparse.Namespace, store: Optional[Store] = None) -> None:
    """The run on standard output in the chosen format; where it was written, on standard error."""
    if args.format == "json":
        from dwdiag.remediation.plan import public

        document = {"run_id": result.run_id, "findings": [public(f) for f in result.findings]}
        json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif args.format == "ocsf":
        from dwdiag.outputs import ocsf

        from dwdiag.publish.aggregate import planned

        events = ocsf.events([planned(f) for f in result.findings], run_id=result.run_id,
                             evaluated_at=result.summary.evaluated_at)
        json.dump(events, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif args.format == "csv":
        from dwdiag.outputs import csv_output

        from dwdiag.publish.aggregate import planned

        sys.stdout.write(csv_output.render(planned(f) for f in result.findings))
    else:
        print(findings_report(result.findings, result.summary, show_all=args.all))
    sys.stdout.flush()
    if store is not None:
        where = store.location(layout.run_prefix(result.run_id, result.summary.started_at))
        print(f"dwdiag: wrote the run under {where}", file=sys.stderr)


@contextmanager
def _writing(settings: Settings, output: Optional[str]) -> Iterator[None]:
    """A store that cannot be written is told as one line."""
    try:
        yield
    except OSError as exc:
        where = output or (f"oss://{settings.oss_bucket}/{settings.oss_prefix}" if settings.oss_bucket else "")
        raise UserError(f"cannot write results to {where}: {exc}") from None


def cmd_items(args: argparse.Namespace) -> int:
    if args.format == "json":
        json.dump([i.model_dump(mode="json") for i in catalog.ITEMS], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(items_table(list(catalog.ITEMS)))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    settings = load_settings()
    snapshot = load_snapshot(args.evidence)
    waivers = load_waivers_for(args, settings)
    store = _output_store(settings, args.output)
    with _writing(settings, args.output):  # a re-evaluation never alerts
        result = pipeline.run(settings, source="evaluate", snapshot=snapshot, regions=args.region or None,
                              categories=[Category(c) for c in args.category] or None, now=_parse_now(args.now),
                              waivers=waivers, store=store)
    _print(result, args, store)
    return 0


def _output_store(settings: Settings, output: Optional[str]) -> Optional[Store]:
    try:
        return store_from_settings(settings, output)
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot use the output {output or settings.oss_bucket}: {exc}") from None


class Progress:
    """One self-overwriting status line on a terminal; silent when stderr is not one, or for JSON."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()

    def __call__(self, message: str) -> None:
        if self.enabled:
            sys.stderr.write(f"\r\033[Kcollecting {message}")
            sys.stderr.flush()

    def clear(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def cmd_scan(args: argparse.Namespace) -> int:
    settings = load_settings()
    waivers = load_waivers_for(args, settings)  # a bad waiver file stops the run before any API call
    from dwdiag.alert.deliver import dingtalk_sender
    from dwdiag.sweep import Sweep

    store = _output_store(settings, args.output)
    progress = Progress(args.format == "table")
    try:
        with _writing(settings, args.output):
            result = organization.run(settings, source="scan", sweep=Sweep(settings), regions=args.region or None,
                                      categories=[Category(c) for c in args.category] or None, waivers=waivers,
                                      store=store, send=None if args.no_alert else dingtalk_sender(settings),
                                      progress=progress, alert=not args.no_alert)
    finally:
        progress.clear()
    _print(result, args, store)
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    settings = load_settings()
    from dwdiag.alert.deliver import dingtalk_sender
    from dwdiag.watch.run import watch, watch_sweep

    store = _output_store(settings, args.output)
    if store is None:
        raise UserError("the watch keeps its cursor in the store: give --output DIR, or DWDIAG_OSS_BUCKET")
    with _writing(settings, args.output):
        done = watch(settings, watch_sweep(settings, None), store,
                     None if args.no_alert else dingtalk_sender(settings), now=_parse_now(args.now),
                     regions=args.region or None)
    summary = done.summary
    if args.format == "json":
        doc = {**summary.model_dump(mode="json"), "findings": [f.public() for f in done.findings]}
        json.dump(doc, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(watch_report(summary))
    return 1 if summary.problems and not summary.rechecked and not summary.events else 0


def watch_report(summary) -> str:
    lines = [f"watch {summary.watch_id}: {summary.events} new write event(s), "
             f"{sum(summary.unknown.values())} not in the table, {summary.pending} change(s) left for the next watch"]
    lines += [f"  window {region}: {start} to {end}" for region, (start, end) in summary.windows.items()]
    lines += [f"  {t}" for t in summary.triggers]
    lines += [f"  not in the table: {name} x{n}" for name, n in sorted(summary.unknown.items())]
    for region, categories in summary.rechecked.items():
        for category, what in categories.items():
            lines.append(f"  re-checked {region}/{category}: {json.dumps(what, sort_keys=True)}")
    lines.append("  findings: " + ", ".join(f"{n} {k}" for k, n in summary.changes.items()))
    lines += [f"  alert {region}: {outcome}" for region, outcome in summary.alerts.items()]
    lines += [f"  gap: {g}" for g in summary.gaps]
    lines += [f"  problem: {p}" for p in summary.problems]
    return "\n".join(lines)


def cmd_demo(args: argparse.Namespace) -> int:
    settings = load_settings()
    if "datasource_access_strict" not in settings.model_fields_set:
        # The default for this item is `manual`; the demo shows both outcomes of the strict mode too.
        settings.datasource_access_strict = True
        if args.format == "table":
            print("dwdiag demo: datasource_access_control runs in strict mode here (the default is manual); "
                  "set DWDIAG_DATASOURCE_ACCESS_STRICT=false to see the default.", file=sys.stderr)
    from dwdiag.alert.preview import preview_sender
    from dwdiag.demo.live import run_demo, run_demo_and_watch, run_organization_demo

    waivers = load_waivers_for(args, settings)
    store = _output_store(settings, args.output)
    run_id = new_run_id(utcnow())
    # The demo has no robot to talk to: the message it would send is written beside the run instead.
    send = None if args.no_alert or store is None else preview_sender(store, layout.run_prefix(run_id))
    progress = Progress(args.format == "table")
    watched = None
    try:
        with _writing(settings, args.output):
            if args.watch:
                if args.organization:
                    raise UserError("dwdiag demo --watch follows one account; leave out --organization")
                watch_send = None if args.no_alert else preview_sender(store, "watch/demo")
                result, watched = run_demo_and_watch(settings, store=store, watch_send=watch_send,
                                                     categories=[Category(c) for c in args.category] or None,
                                                     waivers=waivers, send=send, run_id=run_id, progress=progress)
            else:
                run = run_organization_demo if args.organization else run_demo
                extra = {"alert": not args.no_alert} if args.organization else {}
                result = run(settings, store=store, categories=[Category(c) for c in args.category] or None,
                             waivers=waivers, send=send, run_id=run_id, progress=progress, **extra)
    finally:
        progress.clear()
    _print(result, args, store)
    if watched is not None:  # beside the run's own output, which stays one document
        print(watch_report(watched.summary), file=sys.stderr)
        if store is not None and not args.no_alert:
            where = store.location("watch/demo/dingtalk-preview.md")
            print(f"dwdiag: the watch's alert is in {where}", file=sys.stderr)
    return 0


def cmd_invoke(args: argparse.Namespace) -> int:
    """Run a category on the deployed functions (aliyun-fc2) and print what they answer."""
    from dwdiag.clients import Credentials
    from dwdiag.fc.fanout import Target, fc_endpoint, invoke
    from dwdiag.sweep import Sweep

    settings = load_settings()
    credentials = Credentials.from_environment()
    if credentials is None:
        raise UserError("dwdiag invoke needs ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    home = settings.fc_region or settings.regions[0]
    account = "" if settings.endpoint_fc else (Sweep(settings, credentials).whoami(home) or "")
    target = Target(settings.fc_service, settings.fc_function_prefix + args.category.replace("_", "-"))
    # The run id travels in the payload, so FC's retries of this invocation overwrite one run.
    payload = {"run_id": new_run_id(utcnow()), "alert": not args.no_alert}
    if args.region:
        payload["regions"] = args.region
    if args.accounts:
        try:
            chosen = Settings(accounts=args.accounts).accounts
        except ValidationError as exc:
            raise UserError(describe_validation(exc, what="--accounts")) from None
        payload["accounts"] = chosen
    try:
        response = invoke(fc_endpoint(account, home, settings.endpoint_fc), credentials, target, payload,
                          asynchronous=not args.sync, timeout=900 if args.sync else 30)
    except RuntimeError as exc:
        raise UserError(str(exc)) from None
    if args.sync:
        data = response.data.decode("utf-8", errors="replace") if isinstance(response.data, bytes) else response.data
        print(data)
    else:
        headers = {k.lower(): v for k, v in (response.headers or {}).items()}
        print(json.dumps({"queued": True, "run_id": payload["run_id"], "function": target.function,
                          "request_id": headers.get("x-fc-request-id", "")}))
    return 0


def load_waivers_for(args: argparse.Namespace, settings: Settings) -> list:
    from dwdiag.waivers import load_waivers

    path = getattr(args, "waivers", None) or settings.waivers_file
    return load_waivers(path) if path else []


def _findings_from(args: argparse.Namespace, settings: Settings, waivers: list) -> tuple[list, str]:
    """The findings to lint or report on: an evidence file re-evaluated, a store's latest/, or the demo."""
    if getattr(args, "store", None):
        from dwdiag.publish.read import latest_findings

        try:
            findings, runs = latest_findings(open_store(args.store, settings), args.region or None)
        except (OSError, ValueError) as exc:
            raise UserError(f"cannot read {args.store}: {exc}") from None
        return findings, f"run {', '.join(runs)} in {args.store}"
    snapshot = load_snapshot(args.evidence) if args.evidence else demo_snapshot()
    result = evaluate(snapshot, settings, regions=args.region or None, waivers=waivers)
    return result.findings, (f"the evidence {args.evidence}" if args.evidence else "the demo evidence")


def cmd_waivers_check(args: argparse.Namespace) -> int:
    from dwdiag.waivers import lint, load_waivers, today_utc

    settings = load_settings()
    waivers = load_waivers(args.file)
    findings, source = _findings_from(args, settings, [])
    problems = lint(waivers, findings, today=today_utc(), name=args.file, against=source)
    for line in problems:
        print(line)
    print(f"dwdiag: {len(waivers)} waiver(s) checked against {len(findings)} findings of {source}: "
          f"{len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


def cmd_report(args: argparse.Namespace) -> int:
    from dwdiag import compliance

    settings = load_settings()
    framework = compliance.find_framework(args.framework)
    findings, source = _findings_from(args, settings, load_waivers_for(args, settings))
    doc = compliance.document(framework, findings, source)
    if args.format == "json":
        json.dump(doc, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(compliance.render(doc))
    return 0


def cmd_fix_plan(args: argparse.Namespace) -> int:
    """The remediation plan of each failed finding (of a store's latest run, or an evidence file)."""
    from dwdiag import fix

    settings = load_settings()
    findings, source = _findings_from(args, settings, [])
    if args.finding:
        wanted = set(args.finding)
        findings = [f for f in findings if f.fingerprint in wanted]
        missing = wanted - {f.fingerprint for f in findings}
        if missing:
            raise UserError(f"no finding {', '.join(sorted(missing))} in {source}")
    planned = fix.plans(findings, settings)
    if args.format == "json":
        json.dump({"source": source, "plans": [{"fingerprint": f.fingerprint, "item_id": f.item_id,
                                                "account_id": f.account_id, "region": f.region,
                                                "object_name": f.object_name,
                                                **plan.model_dump(mode="json", exclude_none=True)}
                                               for f, plan in planned]},
                  sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    for f, plan in planned:
        where = f"{f.account_id}/{f.region}" if f.account_id else f.region
        print(f"{f.item_id} [{where}] {f.object_name}  ({f.fingerprint})")
        print(f"  {plan.summary}" + ("  [dwdiag fix apply can run it]" if plan.automatable else ""))
        for n, step in enumerate(plan.steps, 1):
            text = step.text.replace("\n", "\n" + " " * 8)
            print(f"  {n}. ({step.kind}) {text}")
            print(f"     who: {step.who}; reversible: {step.reversible}" + (f" ({step.undo})" if step.undo else ""))
            print(f"     may break: {step.breaks}")
            print(f"     doc: {step.doc}")
        if plan.note:
            print(f"  note: {plan.note}")
        print()
    print(f"dwdiag: {len(planned)} plan(s) for the failed findings of {source}", file=sys.stderr)
    return 0


def cmd_fix_apply(args: argparse.Namespace) -> int:
    """Run the automatable plans of these findings: a dry run unless --yes."""
    from dwdiag import fix
    from dwdiag.sweep import Sweep

    settings = load_settings()
    store = open_store(args.store, settings) if args.store else _output_store(settings, None)
    if store is None:
        raise UserError("dwdiag fix apply reads the findings of a stored run: give --store DIR_OR_OSS or set "
                        "DWDIAG_OSS_BUCKET")
    with _writing(settings, args.store):
        outcomes = fix.apply(settings, store, args.finding, yes=args.yes, reads=Sweep(settings))
    if args.format == "json":
        json.dump({"outcomes": [o.to_dict() for o in outcomes]}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for o in outcomes:
            print(f"{o.fingerprint}: {o.status}" + (f": {o.why}" if o.why else ""))
            for call in o.calls:
                print(f"  {'would call' if o.status == 'dry run' else 'call'}: {call}")
            if o.after:
                print(f"  re-checked: {o.before} -> {o.after}")
            if o.record:
                print(f"  recorded at {o.record}")
    refused = [o for o in outcomes if o.status in ("refused", "failed")]
    return 1 if refused else 0


def cmd_prune(args: argparse.Namespace) -> int:
    """Delete what is older than --keep-days (default DWDIAG_KEEP_DAYS) from a store: a dry run without --yes."""
    from dwdiag.publish import retention

    settings = load_settings()
    keep = args.keep_days if args.keep_days is not None else settings.keep_days
    if keep is None:
        raise UserError("how long to keep results is not set: give --keep-days N or set DWDIAG_KEEP_DAYS")
    if keep < 1:
        raise UserError(f"--keep-days must be at least 1, not {keep}")
    store = open_store(args.store, settings) if args.store else _output_store(settings, None)
    if store is None:
        raise UserError("dwdiag prune needs a store: give --store DIR_OR_OSS or set DWDIAG_OSS_BUCKET")
    with _writing(settings, args.store):
        pruned = retention.prune(store, keep, dry_run=not args.yes)
    if args.format == "json":
        json.dump(pruned.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        verb = "would delete" if pruned.dry_run else "deleted"
        count = pruned.objects if pruned.dry_run else pruned.deleted
        print(f"older than {pruned.cutoff}: {verb} {count} object(s): {len(pruned.runs)} run(s), "
              f"{pruned.history} history entr{'y' if pruned.history == 1 else 'ies'}, {pruned.watch} watch record(s)")
        for run_id in pruned.kept_open:
            print(f"kept run {run_id}: it is still being collected (open/)")
        for error in pruned.errors:
            print(f"error: {error}")
        if pruned.dry_run and count:
            print("a dry run: add --yes to delete")
    return 1 if pruned.errors else 0


def add_waivers_and_report(sub) -> None:
    def source_options(p: argparse.ArgumentParser, default: str) -> None:
        where = p.add_mutually_exclusive_group(required=default == "")
        where.add_argument("--evidence", metavar="FILE", help="re-evaluate this evidence snapshot")
        where.add_argument("--store", "--against", dest="store", metavar="DIR_OR_OSS",
                           help="the latest run stored in this folder or oss://bucket/prefix")
        p.add_argument("--region", action="append", default=[], help="only this region (repeatable; for an "
                       "oss:// store, the regions to read)")

    waivers = sub.add_parser("waivers", help="work with waiver files").add_subparsers(dest="action", required=True)
    check = waivers.add_parser("check", help="lint a waiver file: fail on expired or unmatched waivers")
    check.add_argument("file", metavar="FILE")
    source_options(check, "")
    check.set_defaults(func=cmd_waivers_check)

    report = sub.add_parser("report", help="coverage of a compliance framework's controls by a run")
    report.add_argument("--framework", required=True, metavar="NAME", help="mlps-2.0-level3 or cis-alibaba-cloud")
    source_options(report, "demo")
    report.add_argument("--waivers", metavar="FILE", help="apply this waiver file (default DWDIAG_WAIVERS_FILE)")
    report.add_argument("--format", choices=["table", "json"], default="table")
    report.set_defaults(func=cmd_report)

    fixes = sub.add_parser("fix", help="remediation plans, and applying the few that are safe to automate")
    fixes = fixes.add_subparsers(dest="action", required=True)
    plan = fixes.add_parser("plan", help="the exact steps that fix each failed finding")
    source_options(plan, "demo")
    plan.add_argument("--finding", action="extend", nargs="+", default=[], metavar="FINGERPRINT",
                      help="only these findings (repeatable)")
    plan.add_argument("--format", choices=["table", "json"], default="table")
    plan.set_defaults(func=cmd_fix_plan)
    apply = fixes.add_parser("apply", help="run a finding's plan when dwdiag may (a dry run without --yes)")
    apply.add_argument("--finding", action="extend", nargs="+", required=True, metavar="FINGERPRINT",
                       help="the findings to fix (repeatable)")
    apply.add_argument("--store", metavar="DIR_OR_OSS", help="the run's store (default DWDIAG_OSS_BUCKET)")
    apply.add_argument("--yes", action="store_true", help="make the calls (without it: print them)")
    apply.add_argument("--format", choices=["table", "json"], default="table")
    apply.set_defaults(func=cmd_fix_apply)

    prune = sub.add_parser("prune", help="delete stored runs older than a number of days (a dry run without --yes)")
    prune.add_argument("--keep-days", type=int, metavar="N", help="keep this many days (default DWDIAG_KEEP_DAYS)")
    prune.add_argument("--store", metavar="DIR_OR_OSS", help="the results' store (default DWDIAG_OSS_BUCKET)")
    prune.add_argument("--yes", action="store_true", help="delete (without it: count what would go)")
    prune.add_argument("--format", choices=["table", "json"], default="table")
    prune.set_defaults(func=cmd_prune)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dwdiag", description="DataWorks platform security diagnostics.")
    sub = parser.add_subparsers(dest="command", required=True)

    items = sub.add_parser("items", help="list the 17 diagnostic items")
    items.add_argument("--format", choices=["table", "json"], default="table")
    items.set_defaults(func=cmd_items)

    def results_options(p: argparse.ArgumentParser, output_default: Optional[str]) -> None:
        p.add_argument("--category", action="append", choices=CATEGORIES, default=[],
                       help="only this category (repeatable)")
        p.add_argument("--format", choices=["table", "json", "ocsf", "csv"], default="table")
        p.add_argument("--waivers", metavar="FILE", help="a YAML waiver file (default DWDIAG_WAIVERS_FILE)")
        p.add_argument("--output", default=output_default, metavar="DIR",
                       help="write the run into this folder in the store layout")
        p.add_argument("--all", action="store_true", help="also list passed and not-applicable results")

    ev = sub.add_parser("evaluate", help="re-evaluate a saved evidence snapshot, offline")
    ev.add_argument("--evidence", required=True, metavar="FILE")
    ev.add_argument("--region", action="append", default=[], help="only this region (repeatable)")
    ev.add_argument("--now", help="evaluate as of this time (default: when the evidence was collected)")
    results_options(ev, None)
    ev.set_defaults(func=cmd_evaluate)

    scan = sub.add_parser("scan", help="sweep a live tenant through the Alibaba Cloud OpenAPIs")
    scan.add_argument("--region", action="append", default=[], help="region to sweep (repeatable; default "
                      "DWDIAG_REGIONS)")
    results_options(scan, None)
    scan.add_argument("--no-alert", action="store_true", help="do not send the DingTalk alert")
    scan.set_defaults(func=cmd_scan)

    inv = sub.add_parser("invoke", help="run a category on the deployed Function Compute functions")
    inv.add_argument("--category", required=True, choices=CATEGORIES)
    inv.add_argument("--region", action="append", default=[], help="region to sweep (repeatable; default: the "
                     "function's DWDIAG_REGIONS)")
    inv.add_argument("--accounts", metavar="WHICH", help="self, resource-directory, or account ids separated by "
                     "commas (default: the function's DWDIAG_ACCOUNTS)")
    inv.add_argument("--sync", action="store_true", help="wait for the run and print its summary")
    inv.add_argument("--no-alert", action="store_true", help="ask the run not to send the DingTalk alert")
    inv.set_defaults(func=cmd_invoke)

    wat = sub.add_parser("watch", help="re-check what ActionTrail write events say changed since the last watch")
    wat.add_argument("--region", action="append", default=[], help="region to watch (repeatable; default "
                     "DWDIAG_REGIONS)")
    wat.add_argument("--format", choices=["table", "json"], default="table")
    wat.add_argument("--output", metavar="DIR", help="the store with the cursor and latest/ (default DWDIAG_OSS_*)")
    wat.add_argument("--no-alert", action="store_true", help="do not send the DingTalk alert")
    wat.add_argument("--now", help="watch up to this time (default: now); for replaying a window")
    wat.set_defaults(func=cmd_watch)

    demo = sub.add_parser("demo", help="run the same sweep against the emulated demo tenant (no cloud account)")
    results_options(demo, DEMO_OUTPUT)
    demo.add_argument("--no-alert", action="store_true", help="do not send the DingTalk alert")
    demo.add_argument("--organization", action="store_true",
                      help="sweep an emulated Resource Directory instead: the management account and its members, "
                           "each through its own role (one refuses it, one is not created yet)")
    demo.add_argument("--watch", action="store_true",
                      help="then change the emulated tenant (two more workspace administrators, MaxCompute project "
                           "protection off, a trail stopped) and run the watch, which re-checks only what changed")
    demo.set_defaults(func=cmd_demo)
    add_waivers_and_report(sub)
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        print(f"dwdiag: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
