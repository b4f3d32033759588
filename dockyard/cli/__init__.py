"""The `dockyard` command: a thin Docker-compatible client of the Engine API.

It talks to the engine only over the Engine API socket (through the `docker`
SDK's low-level `APIClient`), so it works against any engine that speaks the
API and never reaches into the daemon's Python packages.
"""
