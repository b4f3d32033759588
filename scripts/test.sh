#!/usr/bin/env bash
# The README's second command: the whole test suite (lint, unit, end-to-end against real shims).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh
.venv/bin/python -m ruff check dockyard tests bench
.venv/bin/python -m mypy dockyard
exec .venv/bin/python -m pytest tests -q "$@"
