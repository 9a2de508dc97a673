#!/usr/bin/env bash
# System packages the tests need, from Debian's apt, installed only when missing:
#   chromium - the real browser for the dashboard tests (Playwright drives /usr/bin/chromium)
#   kubectl  - `kubectl kustomize` renders the k8s overlays offline
#   prometheus-alertmanager - a real Alertmanager for the `streamapp notify` tests
#     (the package enables a systemd unit; nothing runs it here, the test starts its own)
# Runs as root (these machines) or through sudo; says what it does and why.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v prometheus-alertmanager >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
if ! command -v kubectl >/dev/null 2>&1; then
  missing+=(kubernetes-client)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing system packages for the tests: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
