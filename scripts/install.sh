#!/usr/bin/env bash
# Installs everything dockyard needs on a Debian 12 machine (as root), idempotently:
# apt packages for the shim, runtime, busybox image, networking and seccomp profile, then a
# virtualenv in .venv with dockyard and its test tools. Quick when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(containerd runc busybox-static iproute2 iptables procps
              golang-github-containers-common python3-venv python3-pip)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "installing apt packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -x .venv/bin/python ]]; then
    python3 -m venv --system-site-packages .venv
fi
stamp=.venv/.dockyard-installed
if [[ ! -f $stamp || pyproject.toml -nt $stamp ]]; then
    .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
    touch "$stamp"
fi
