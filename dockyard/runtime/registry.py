"""Runtime names (``--runtime``, ``default-runtime``) → a startable :class:`ResolvedRuntime`.

Two kinds of name exist, as in dockerd without configured ``runtimes``:

* the stock names ``runc`` and ``io.containerd.runc.v2``: the runc shim
  (``containerd-shim-runc-v2``) with ``containerd.runc.v1.Options{binary_name: "runc",
  root: <exec-root>/runtime-runc}``;
* any name shaped like a containerd shim name (has a ``.``, no ``/``, no leading ``.``):
  ``io.containerd.<x>.<v>`` → the binary ``containerd-shim-<x>-<v>`` on ``PATH``, no options.

Everything else is rejected at container create with Docker's 400 message. A shaped name is
only looked up on ``PATH`` when a container starts, so a shim installed later still works.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from dockyard import errors
from dockyard.runtime.proto import runc_options_pb2
from dockyard.runtime.types import ResolvedRuntime

RUNC_SHIM_RUNTIME = "io.containerd.runc.v2"
STOCK_RUNTIMES = ("runc", RUNC_SHIM_RUNTIME)
RUNC_OPTIONS_TYPE_URL = "containerd.runc.v1.Options"
RUNC_STATE_DIR = "runtime-runc"


def is_shim_runtime_name(name: str) -> bool:
    """containerd's rule for names it passes straight to its shim lookup."""
    return "." in name and "/" not in name and not name.startswith(".")


def shim_binary_name(name: str) -> str:
    """``io.containerd.runsc.v1`` → ``containerd-shim-runsc-v1`` (the last two dotted parts)."""
    parts = name.split(".")
    if len(parts) < 2 or not parts[0]:
        raise errors.InvalidParameter(f"unknown or invalid runtime name: {name}")
    return f"containerd-shim-{parts[-2]}-{parts[-1]}"


class RuntimeRegistry:
    """Resolves runtime names for one engine.

    ``exec_root`` fills in the runc state dir (``<exec_root>/runtime-runc``) of the runc
    options; without it the options leave ``root`` empty and :class:`ShimRuntime` fills it
    from its own exec root. ``search_path`` replaces ``$PATH`` for finding shims (tests).
    """

    def __init__(self, *, exec_root: Path | None = None, search_path: str | None = None) -> None:
        self._runc_root = str(exec_root / RUNC_STATE_DIR) if exec_root is not None else ""
        self._search_path = search_path

    def names(self) -> list[str]:
        """The runtimes ``docker info`` lists."""
        return list(STOCK_RUNTIMES)

    def describe(self) -> dict[str, dict[str, str]]:
        """``docker info``'s ``Runtimes`` map: name → ``{"path": …}`` as dockerd shows it."""
        return {name: {"path": "runc"} for name in STOCK_RUNTIMES}

    def validate(self, name: str) -> None:
        """Create-time check: stock or shim-shaped, else Docker's 400."""
        if name not in STOCK_RUNTIMES and not is_shim_runtime_name(name):
            raise errors.InvalidParameter(f"unknown or invalid runtime name: {name}")

    def resolve(self, name: str) -> ResolvedRuntime:
        """Start-time lookup; a shim that is not installed is a :class:`RuntimeFailure`."""
        self.validate(name)
        if name in STOCK_RUNTIMES:
            options = runc_options_pb2.Options(binary_name="runc", root=self._runc_root)
            return ResolvedRuntime(
                name=name,
                shim=self._find_shim(RUNC_SHIM_RUNTIME),
                options_type_url=RUNC_OPTIONS_TYPE_URL,
                options=options.SerializeToString(),
            )
        return ResolvedRuntime(name=name, shim=self._find_shim(name))

    def _find_shim(self, name: str) -> str:
        binary = shim_binary_name(name)
        search_path = self._search_path
        if search_path is None:
            search_path = os.environ.get("PATH", os.defpath)
        found = shutil.which(binary, path=search_path)
        if found is None:
            raise errors.RuntimeFailure(
                f'failed to start shim: failed to resolve runtime path: runtime "{name}" '
                f'binary not installed "{binary}": file does not exist: unknown'
            )
        return str(Path(found).absolute())
