#!/bin/sh
# Regenerate dockyard/runtime/proto/*_pb2.py from the .proto files next to them.
# Import paths are rooted at the repository so generated modules import each other as
# `from dockyard.runtime.proto import x_pb2`. Needs grpcio-tools (pip install -e .[dev]).
set -eu
cd "$(dirname "$0")/.."
python -m grpc_tools.protoc -I . --python_out=. dockyard/runtime/proto/*.proto
