#!/usr/bin/env bash
# The console's browser tests drive Debian's Chromium (browsers cannot be downloaded by playwright here):
# install it with apt-get when it is missing. A no-op when /usr/bin/chromium exists.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update
$SUDO apt-get install -y chromium
