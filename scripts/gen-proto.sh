#!/bin/sh
# Regenerate dockyard/runtime/proto/*_pb2.py (and *_pb2.pyi type stubs, for mypy) from the
# .proto files next to them. Import paths are rooted at the repository so generated modules
# import each other as `from dockyard.runtime.proto import x_pb2`. Needs grpcio-tools
# (pip install -e .[dev]). The stubs are passed through ruff so they meet the house style;
# the *_pb2.py files are excluded from ruff in pyproject.toml.
set -eu
cd "$(dirname "$0")/.."
python -m grpc_tools.protoc -I . --python_out=. --pyi_out=. dockyard/runtime/proto/*.proto
ruff check --quiet --fix-only --unsafe-fixes dockyard/runtime/proto/*_pb2.pyi
ruff format --quiet dockyard/runtime/proto/*_pb2.pyi
ruff check --quiet dockyard/runtime/proto/*_pb2.pyi
