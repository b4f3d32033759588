#!/usr/bin/env bash
# The README's first command: install, start dockyardd with its defaults, build a busybox image
# from the host's static busybox, and run a container that prints something.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh

SOCK=/run/dockyard.sock
DOCKYARD=(.venv/bin/dockyard -H "unix://$SOCK")
if ! "${DOCKYARD[@]}" version >/dev/null 2>&1; then
    mkdir -p /var/log
    nohup .venv/bin/dockyardd >>/var/log/dockyardd.log 2>&1 &
    echo "started dockyardd (pid $!), log in /var/log/dockyardd.log"
    for _ in $(seq 100); do
        "${DOCKYARD[@]}" version >/dev/null 2>&1 && break
        sleep 0.1
    done
fi
if ! "${DOCKYARD[@]}" image inspect busybox:latest >/dev/null 2>&1; then
    tar=$(mktemp /tmp/dy-busybox.XXXXXX.tar)
    .venv/bin/python -m dockyard.images.busybox "$tar"
    "${DOCKYARD[@]}" import "$tar" busybox:latest
    rm -f "$tar"
fi
"${DOCKYARD[@]}" run --rm busybox echo "hello from a dockyard container"
echo "dockyardd is running on unix://$SOCK; try: docker -H unix://$SOCK ps -a"
