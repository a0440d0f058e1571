#!/usr/bin/env bash
# Debian's chromium and chromium-driver for the browser test of the HTML report (tests/report/).
# Never fails the test run: without them the browser test skips and says why.
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
  echo "scripts/_browser.sh: chromium is missing and apt-get is not usable here (need root and apt);" \
       "the browser test of the report will skip" >&2
  exit 0
fi
echo "scripts/_browser.sh: installing Debian's chromium and chromium-driver for the report's browser test" >&2
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }; then
  echo "scripts/_browser.sh: installing chromium failed; the browser test of the report will skip" >&2
fi
exit 0
