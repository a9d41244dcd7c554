#!/usr/bin/env bash
# Makes a machine of ours ready for the e2e tests and the demo: installs the Debian packages they use
# (skipping those present) and starts dockerd when no Docker engine answers. Idempotent; run as root.
# Used by .ci/run and scripts/demo.sh.
set -euo pipefail

# curl, openssl and GNU time are for the benchmarks (`npm run bench`; .ci/run smoke-runs them); tmux is
# the real terminal of the e2e test of what a person sees (test/e2e/terminal.test.ts). umoci,
# oci-image-tool and skopeo are the independent readers that must accept `--output oci:DIR` as a valid
# OCI image layout (test/e2e/oci-layout.test.ts).
packages=(docker.io docker-registry apache2-utils busybox-static curl openssl time tmux umoci oci-image-tool skopeo)
# The engine as this machine kind can run it: vfs needs no overlay support, and containers use the
# host network (the tests run them with --network host), so no bridge or iptables rules.
dockerd_args=(--storage-driver=vfs --iptables=false --ip6tables=false --bridge=none)
# More dockerd arguments, split on spaces (e.g. a second engine: --data-root DIR --exec-root DIR
# --pidfile FILE -H unix://SOCK, with DOCKER_HOST pointing at that socket).
read -r -a extra_args <<<"${UAI_DOCKERD_EXTRA_ARGS:-}"
dockerd_args+=("${extra_args[@]}")
dockerd_log=${UAI_DOCKERD_LOG:-/var/log/uai-dockerd.log}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "ensure-engine: need root for: $*" >&2; exit 1
  fi
}

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "ensure-engine: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

engine_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if engine_answers; then
  echo "ensure-engine: Docker engine $(docker version --format '{{.Server.Version}}') answers"
  exit 0
fi

echo "ensure-engine: starting dockerd ${dockerd_args[*]} (log: $dockerd_log)"
# setsid and no inherited descriptors: dockerd outlives this script and does not hold its pipes open.
as_root setsid dockerd "${dockerd_args[@]}" </dev/null >>"$dockerd_log" 2>&1 &
for _ in $(seq 1 60); do
  if engine_answers; then
    echo "ensure-engine: Docker engine $(docker version --format '{{.Server.Version}}') answers"
    exit 0
  fi
  sleep 1
done
echo "ensure-engine: dockerd did not answer within 60 s; the end of $dockerd_log:" >&2
tail -n 40 "$dockerd_log" >&2 || true
exit 1
