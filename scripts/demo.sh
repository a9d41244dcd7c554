#!/usr/bin/env bash
# `npm run demo`: on a fresh machine of ours (as root), installs what is missing, starts dockerd if no
# engine answers, builds the packages, then scripts/demo.mjs: a local registry with a random password,
# the stand-in UAI bases, `uai build` on the root uai.config.ts, and POST /service on the pushed image.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-engine.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npx nx run-many -t build
node scripts/demo.mjs
