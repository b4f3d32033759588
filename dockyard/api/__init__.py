"""The Docker Engine API over a unix socket (aiohttp): adapters from HTTP to the engine."""

from dockyard.api.server import build_app, serve_unix

__all__ = ["build_app", "serve_unix"]
