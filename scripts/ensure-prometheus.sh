#!/usr/bin/env bash
# Makes promtool and prometheus available for the observability tests, from Debian's `prometheus` package.
# Idempotent: does nothing when both are already on the PATH. Needs root (or sudo) to install.
#
# The tests start their own Prometheus on a free port, so the packaged service must stay stopped: on a host
# without systemd the package's maintainer scripts fall back to invoke-rc.d, which would start a daemon on
# :9090. A policy-rc.d that answers 101 ("action forbidden") keeps it down; we put one in place only for the
# duration of the install when the host has none, and take it away afterwards.
set -euo pipefail

if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "ensure-prometheus: promtool is missing and installing Debian's prometheus package needs root" >&2
    exit 1
  fi
fi

POLICY=/usr/sbin/policy-rc.d
added_policy=no
cleanup() {
  if [ "$added_policy" = yes ]; then "${SUDO[@]}" rm -f "$POLICY"; fi
}
trap cleanup EXIT

if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\n# temporary: keep services from starting while ensure-prometheus.sh installs\nexit 101\n' |
    "${SUDO[@]}" tee "$POLICY" >/dev/null
  "${SUDO[@]}" chmod 755 "$POLICY"
  added_policy=yes
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update
# Without recommends: the node exporter would be one more daemon the tests do not want.
"${SUDO[@]}" apt-get install -y --no-install-recommends prometheus

# Where systemd does run, the unit is enabled and started by the package; stop and disable it so that
# :9090 stays free and it does not come back at boot.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  "${SUDO[@]}" systemctl disable --now prometheus.service >/dev/null 2>&1 || true
fi

promtool --version | head -n 1
prometheus --version 2>&1 | head -n 1
