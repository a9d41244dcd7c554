#!/usr/bin/env bash
# `npm run demo`: on a fresh machine of ours (as root), installs what is missing, starts dockerd if no
# engine answers, builds the packages, then scripts/demo.mjs: a local registry with a random password,
# the stand-in UAI bases, one `uai build` of the root uai.config.ts (four models in parallel, one with
# ~200 MB of weights the demo writes), and POST /service on each pushed image.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-engine.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npx nx run-many -t build
node scripts/demo.mjs
