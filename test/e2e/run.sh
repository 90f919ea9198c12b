#!/usr/bin/env bash
# The e2e run: the packaged h2lens extension in a real VS Code (code-server), driven like a user.
# Runs the idempotent setup first (seconds when everything is cached under .e2e/), then test/e2e/run.ts:
# build, package the .vsix, install it into a fresh code-server profile, start code-server on 127.0.0.1,
# run the extension-host suite and the UI suite, stop code-server. Exits non-zero on any failure.
# Screenshots: .e2e/screenshots/; logs and workspaces: .e2e/run-*/ (the newest 3 are kept).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
bash test/e2e/setup.sh
exec node --import tsx test/e2e/run.ts "$@"
