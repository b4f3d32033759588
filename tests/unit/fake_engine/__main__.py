"""Serve the real API over a FakeEngine so the docker CLI and SDK can be tried by hand."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from pathlib import Path

from dockyard.api.server import build_app, serve_unix

from .engine import FakeEngine


async def serve_forever(path: Path) -> None:
    runner = await serve_unix(build_app(FakeEngine()), path)
    print(f"fake engine on unix://{path}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        path.unlink(missing_ok=True)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    socket_path = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/dy-api-test.sock")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever(socket_path))
