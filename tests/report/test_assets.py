"""The report's script and stylesheet are package data (dwdiag/report/assets/), inlined byte for byte and
allowed by hashes taken from what is inlined."""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import html
import re
from importlib import resources
from pathlib import Path

from dwdiag.report import html as report_html

try:
    import tomllib
except ImportError:  # Python 3.10: pip carries tomli
    from pip._vendor import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
ASSETS = Path(report_html.__file__).parent / "assets"

# A page with every marker filled: a tenant string that spells a marker and one that tries to close the script.
DATA = {"run": {"run_id": "20260101T000000Z-golden", "source": "demo", "regions": ["cn-hangzhou"],
                "categories": ["computing_storage"], "problems": ["a <b> & c"], "changes": {}},
        "categories": {}, "items": {}, "history": [], "findings": [{"object_name": "@JS@ </script>"}]}

# Rendered from the former Python string constants (dwdiag/report/script.py and style.py) just before they
# became report.js and report.css. The move changed no byte of the page. When the script, the stylesheet or
# the page template is changed on purpose, these digests change with it: update them in the same commit.
# Last changed by the fail findings' "How to fix" (remediation plans, Copy buttons, shared plan strings).
GOLDEN_JS_SHA256 = "8f70dc5756fdd0fdcd3e07188edbab603a7afebc8b12670f1523c318e881da6f"
GOLDEN_CSS_SHA256 = "e454f85aece6a824909f34937b2f9351a53ff799f2686217067d39d73ff21dc8"
GOLDEN_PAGE_SHA256 = "6e84dbd4c175fcbbae07e29255f13cf1eac2f59fbc5ac371f1a9f916b3fd5aeb"
GOLDEN_PAGE_LENGTH = 36378


def _csp_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _inlined(page: str) -> tuple[str, str, dict[str, str]]:
    """(the <style> text, the executable <script> text, the CSP's directives) as the page carries them."""
    (style,) = re.findall(r"<style>(.*?)</style>", page, re.S)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert [attrs for attrs, _ in scripts] == [' type="application/json" id="report-data"', ""]
    (meta,) = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    policy = dict(d.strip().split(" ", 1) for d in html.unescape(meta).split(";"))
    return style, scripts[1][1], policy


def test_the_csp_allows_exactly_the_inlined_style_and_script_which_are_the_asset_files():
    style, script, policy = _inlined("".join(report_html.render_parts(DATA)))
    assert policy["script-src"] == _csp_source(script)
    assert policy["style-src"] == _csp_source(style)
    # What is inlined is the files' content, byte for byte, as the package (and the source tree) holds it.
    packaged = resources.files("dwdiag.report.assets")
    assert script.encode("utf-8") == packaged.joinpath("report.js").read_bytes() == (ASSETS / "report.js").read_bytes()
    assert style.encode("utf-8") == packaged.joinpath("report.css").read_bytes() == (ASSETS / "report.css").read_bytes()
    assert (script, style) == (report_html.JS, report_html.CSS)


def test_the_page_is_byte_identical_to_the_one_rendered_from_the_former_string_constants():
    assert _hex(report_html.JS) == GOLDEN_JS_SHA256, "report.js differs from the former script.py's JS"
    assert _hex(report_html.CSS) == GOLDEN_CSS_SHA256, "report.css differs from the former style.py's CSS"
    page = "".join(report_html.render_parts(DATA))
    assert (len(page), _hex(page)) == (GOLDEN_PAGE_LENGTH, GOLDEN_PAGE_SHA256)


def test_the_assets_are_package_data():
    assert (ASSETS / "__init__.py").is_file(), "a package, so setuptools' packages.find ships its data"
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"]["*"]
    data = sorted(p.name for p in ASSETS.iterdir() if p.is_file() and p.suffix != ".py")
    assert data == ["report.css", "report.js"]
    for name in data:
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), f"{name} would not be in the wheel"
