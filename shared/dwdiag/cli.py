"""The `dwdiag` command line."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Optional

from pydantic import ValidationError

from dwdiag import catalog
from dwdiag.errors import UserError, describe_validation
from dwdiag.models.findings import Category
from dwdiag.models.snapshot import EvidenceSnapshot
from dwdiag.render import findings_report, items_table
from dwdiag.runner import RunResult, evaluate
from dwdiag.settings import ENV_PREFIX, Settings, unknown_environment_settings
from dwdiag.store import open_store
from dwdiag.store.layout import publish, run_prefix

DEMO_OUTPUT = "dwdiag-output"
CATEGORIES = [c.value for c in Category]


def load_settings() -> Settings:
    for name in unknown_environment_settings():
        print(f"dwdiag: warning: {name} is not a dwdiag setting and is ignored", file=sys.stderr)
    try:
        return Settings()
    except ValidationError as exc:
        raise UserError(describe_validation(exc, what="invalid setting", env_prefix=ENV_PREFIX,
                                            secret_fields=frozenset({"dingtalk_secret", "dingtalk_webhook"})))
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


def _emit(result: RunResult, args: argparse.Namespace) -> None:
    keys: list[str] = []
    if args.output:
        try:
            keys = publish(open_store(args.output), result)
        except (OSError, ValueError) as exc:
            raise UserError(f"cannot write results to {args.output}: {exc}") from None
    if args.format == "json":
        json.dump(result.document(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(findings_report(result.findings, result.summary, show_all=args.all))
    sys.stdout.flush()
    if keys:
        print(f"dwdiag: wrote {len(keys)} objects under {Path(args.output) / run_prefix(result)}", file=sys.stderr)


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
    categories = [Category(c) for c in args.category] or None
    result = evaluate(snapshot, settings, categories=categories, regions=args.region or None,
                      now=_parse_now(args.now))
    _emit(result, args)
    return 0


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
    from dwdiag.scan import scan

    progress = Progress(args.format != "json")
    try:
        result = scan(settings, regions=args.region or None,
                      categories=[Category(c) for c in args.category] or None, progress=progress)
    finally:
        progress.clear()
    _emit(result, args)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    settings = load_settings()
    if "datasource_access_strict" not in settings.model_fields_set:
        # The default for this item is `manual`; the demo shows both outcomes of the strict mode too.
        settings.datasource_access_strict = True
        if args.format == "table":
            print("dwdiag demo: datasource_access_control runs in strict mode here (the default is manual); "
                  "set DWDIAG_DATASOURCE_ACCESS_STRICT=false to see the default.", file=sys.stderr)
    from dwdiag.demo.live import run_demo

    progress = Progress(args.format != "json")
    try:
        result = run_demo(settings, [Category(c) for c in args.category] or None, progress=progress)
    finally:
        progress.clear()
    _emit(result, args)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dwdiag", description="DataWorks platform security diagnostics.")
    sub = parser.add_subparsers(dest="command", required=True)

    items = sub.add_parser("items", help="list the 17 diagnostic items")
    items.add_argument("--format", choices=["table", "json"], default="table")
    items.set_defaults(func=cmd_items)

    def results_options(p: argparse.ArgumentParser, output_default: Optional[str]) -> None:
        p.add_argument("--category", action="append", choices=CATEGORIES, default=[],
                       help="only this category (repeatable)")
        p.add_argument("--format", choices=["table", "json"], default="table")
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

    demo = sub.add_parser("demo", help="run the same sweep against the emulated demo tenant (no cloud account)")
    results_options(demo, DEMO_OUTPUT)
    demo.add_argument("--no-alert", action="store_true", help="do not send the DingTalk alert")
    demo.set_defaults(func=cmd_demo)
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
