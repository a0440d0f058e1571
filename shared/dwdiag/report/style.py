"""The report's stylesheet, inlined into the page (the page fetches nothing, fonts included)."""

CSS = """
:root { --bg: #f2f3f5; --card: #fff; --line: #e3e5e8; --text: #1f2329; --muted: #6b7280; --blue: #0064c8;
  --high: #d93026; --medium: #f07800; --low: #d8a100; --pass: #1a8a3a; --error: #8a2be2; --manual: #5c6b7a; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 13px/1.5 -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans", Arial, sans-serif; }
header.top { background: #fff; border-bottom: 1px solid var(--line); padding: 14px 24px; }
header.top h1 { margin: 0 0 4px; font-size: 18px; font-weight: 600; }
header.top .meta { color: var(--muted); display: flex; flex-wrap: wrap; gap: 4px 18px; }
header.top .meta b { color: var(--text); font-weight: 500; }
main { padding: 16px 24px 40px; max-width: 1480px; margin: 0 auto; }
.problems { background: #fff7e6; border: 1px solid #ffd591; padding: 8px 12px; margin-bottom: 12px; }
.problems:empty { display: none; }
.row { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 12px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 2px; padding: 14px 16px; }
.card h2 { font-size: 14px; font-weight: 600; margin: 0 0 10px; }
.overview { flex: 1 1 420px; }
.trend { flex: 1 1 520px; }
.stats { display: flex; flex-wrap: wrap; gap: 8px 28px; }
.stat .n { font-size: 26px; font-weight: 600; line-height: 1.2; display: block; }
.stat .l { color: var(--muted); }
.stat.high .n { color: var(--high); } .stat.medium .n { color: var(--medium); } .stat.low .n { color: var(--low); }
.stats.small .stat .n { font-size: 18px; }
.caption { color: var(--muted); margin: 12px 0 4px; font-size: 12px; }
.sep { border-top: 1px solid var(--line); margin: 12px 0; }
.cats { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 12px; margin-bottom: 12px; }
.cat h3 { margin: 0 0 8px; font-size: 13px; font-weight: 600; }
.cat .risks { display: flex; gap: 6px; margin-bottom: 6px; }
.cat .line { color: var(--muted); }
.pill { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; line-height: 20px;
  border: 1px solid transparent; white-space: nowrap; }
.pill.risk-high { color: var(--high); background: #fdecea; border-color: #f6c4bf; }
.pill.risk-medium { color: var(--medium); background: #fff3e3; border-color: #ffd6a6; }
.pill.risk-low { color: #a37a00; background: #fff9e0; border-color: #f3e2a0; }
.pill.st-fail { color: #fff; background: var(--high); }
.pill.st-error { color: #fff; background: var(--error); }
.pill.st-manual { color: #fff; background: var(--manual); }
.pill.st-pass { color: #fff; background: var(--pass); }
.pill.st-not_applicable { color: var(--muted); background: #eef0f2; }
.pill.tag { color: var(--blue); background: #e8f1fb; border-color: #b9d3f0; margin-left: 4px; }
.pill.tag.regression { color: var(--high); background: #fdecea; border-color: #f6c4bf; }
.pill.tag.waived { color: var(--manual); background: #eef0f2; border-color: #d5d9de; }
svg.chart { width: 100%; height: 190px; display: block; }
svg.chart .axis { stroke: #c9cdd4; stroke-width: 1; }
svg.chart .grid { stroke: #eef0f2; stroke-width: 1; }
svg.chart text { fill: var(--muted); font-size: 10px; }
svg.chart .line { fill: none; stroke-width: 2; }
svg.chart .high { stroke: var(--high); fill: var(--high); } svg.chart .medium { stroke: var(--medium); fill: var(--medium); }
svg.chart .low { stroke: var(--low); fill: var(--low); }
svg.chart polyline.line { fill: none; }
svg.chart .current { stroke: var(--blue); stroke-dasharray: 3 3; }
.legend { display: flex; gap: 14px; color: var(--muted); margin-top: 4px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px; }
.legend .high { background: var(--high); } .legend .medium { background: var(--medium); } .legend .low { background: var(--low); }
.empty { color: var(--muted); padding: 20px 0; }
.filters { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: end; margin-bottom: 10px; }
.filters label { display: flex; flex-direction: column; color: var(--muted); font-size: 12px; gap: 2px; }
.filters select, .filters input { font: inherit; padding: 3px 6px; border: 1px solid #c9cdd4; border-radius: 2px;
  min-width: 140px; background: #fff; color: var(--text); }
.filters button { font: inherit; padding: 3px 12px; border: 1px solid #c9cdd4; background: #fff; cursor: pointer; }
.filters .shown { margin-left: auto; color: var(--muted); }
table.findings { width: 100%; border-collapse: collapse; table-layout: fixed; }
table.findings th { text-align: left; font-weight: 600; background: #f7f8fa; border-bottom: 1px solid var(--line);
  padding: 8px; }
table.findings td { border-bottom: 1px solid var(--line); padding: 8px; vertical-align: top;
  overflow-wrap: anywhere; }
table.findings tr.finding { cursor: pointer; }
table.findings tr.finding:hover, table.findings tr.finding:focus { background: #f5f9ff; outline: none; }
table.findings tr.finding.open { background: #eef5fe; }
table.findings .obj-id, table.findings .item-id { color: var(--muted); font-size: 12px; display: block; }
table.findings a { color: var(--blue); text-decoration: none; }
table.findings a:hover { text-decoration: underline; }
tr.detail td { background: #fafbfc; }
tr.detail dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0 0 8px; }
tr.detail dt { color: var(--muted); }
tr.detail dd { margin: 0; }
pre.evidence { background: #1f2329; color: #e6e8eb; padding: 10px 12px; margin: 0; max-height: 360px;
  overflow: auto; font: 12px/1.45 ui-monospace, Menlo, Consolas, monospace; white-space: pre-wrap; }
col.c-risk { width: 80px; } col.c-status { width: 110px; } col.c-item { width: 17%; } col.c-obj { width: 15%; }
col.c-ws { width: 100px; } col.c-region { width: 110px; }
footer { color: var(--muted); padding: 0 24px 24px; text-align: center; }
"""
