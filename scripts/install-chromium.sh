#!/usr/bin/env bash
# Headless Chromium for the catalog's browser tests, from the Debian packages (Playwright's own
# browser download is not reachable here). Does nothing when chromium is already installed.
set -euo pipefail
# The tests take $CHROMIUM or the first of these on PATH (tests/support/browser.py).
if [[ -n ${CHROMIUM:-} ]] || command -v chromium chromium-browser google-chrome google-chrome-stable >/dev/null 2>&1; then
  exit 0
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  sudo="sudo"
fi
echo "== installing chromium (apt-get, ~1 min)"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
