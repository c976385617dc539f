#!/usr/bin/env bash
# Installs what proxyproof's runs and tests need, only what is missing:
# nginx (with njs for JWT), HAProxy, curl, Chromium, xmllint, Podman with runc
# and mmdebstrap (PROXYPROOF_CONTAINERS=0 leaves those out) and wrk from Debian,
# then npm packages.
# Safe to run again; does nothing when all is present.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
[ -e /usr/lib/nginx/modules/ngx_http_js_module.so ] || need+=(libnginx-mod-http-js)
command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
command -v curl >/dev/null 2>&1 || need+=(curl)
# Browser tests (npx playwright test) use Debian's Chromium, never a downloaded one;
# junit.xml is validated against fixtures/junit/junit.xsd with xmllint.
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
# The container runtime's tests: Podman (with runc: crun fails on these
# machines' cgroups) and mmdebstrap for the local images; wrk is the peer the
# load benchmark measures against.
if [ "${PROXYPROOF_CONTAINERS:-1}" = 1 ]; then
  command -v podman >/dev/null 2>&1 || need+=(podman)
  command -v runc >/dev/null 2>&1 || need+=(runc)
  command -v mmdebstrap >/dev/null 2>&1 || need+=(mmdebstrap)
  command -v newuidmap >/dev/null 2>&1 || need+=(uidmap)
fi
command -v wrk >/dev/null 2>&1 || need+=(wrk)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "proxyproof: missing ${need[*]}; install them with your package manager (Debian: apt-get install ${need[*]})" >&2
    exit 3
  fi
  echo "installing ${need[*]} from Debian"
  # Keep the packages' services from starting on port 80: proxyproof starts
  # its own proxies. policy-rc.d is Debian's switch for that; removed after.
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  trap '[ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# npm ci when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
