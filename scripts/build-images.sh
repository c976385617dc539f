#!/usr/bin/env bash
# Builds local nginx and HAProxy images from Debian packages (these machines
# cannot pull from a container registry): one bookworm root filesystem with
# haproxy, nginx-light and njs made by mmdebstrap, imported into Podman as
#   proxyproof/nginx:bookworm and proxyproof/haproxy:bookworm
# Safe to run again: does nothing when both images exist (--force rebuilds).
# Needs: podman, mmdebstrap (scripts/podman-setup.sh installs them) and Debian's mirror.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/podman-setup.sh --env)"
mirror="${PROXYPROOF_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security="${PROXYPROOF_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}"
tags=(proxyproof/nginx:bookworm proxyproof/haproxy:bookworm)

if [ "${1:-}" != --force ]; then
  missing=0
  for t in "${tags[@]}"; do podman image exists "$t" || missing=1; done
  [ $missing = 0 ] && { echo "images present: ${tags[*]}"; exit 0; }
fi

work=$(mktemp -d /tmp/proxyproof-images.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "building a bookworm rootfs with haproxy, nginx-light, libnginx-mod-http-js (mmdebstrap)"
mmdebstrap --variant=apt --include=haproxy,nginx-light,libnginx-mod-http-js,ca-certificates \
  --aptopt='Acquire::Check-Valid-Until "false"' \
  --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*' \
  bookworm "$work/rootfs.tar" \
  "deb $mirror bookworm main" "deb $mirror bookworm-updates main" "deb $security bookworm-security main"
podman import --change 'CMD ["nginx", "-g", "daemon off;"]' "$work/rootfs.tar" proxyproof/nginx:bookworm
podman tag proxyproof/nginx:bookworm proxyproof/haproxy:bookworm
podman images --filter reference='proxyproof/*'
