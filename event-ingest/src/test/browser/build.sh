#!/usr/bin/env bash
# Rebuilds ../resources/browser/analytics-next.js from the pinned npm packages (needs npm and the npm registry).
# The built file is committed, so the test runs without the network; rebuild it to move to a newer SDK.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
[ -x node_modules/.bin/esbuild ] && node_modules/.bin/esbuild --version >/dev/null 2>&1 || node node_modules/esbuild/install.js
npm run -s build
rm -rf node_modules
echo "built $(wc -c < ../resources/browser/analytics-next.js) bytes"
