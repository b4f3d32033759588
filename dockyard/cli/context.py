"""What every command handler receives: the engine client, the user's streams, the environment."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dockyard.cli.session import Terminal
from dockyard.cli.transport import EngineClient


@dataclass(frozen=True, kw_only=True)
class CommandContext:
    """One invocation's world; handlers write through it, never to sys.stdout directly."""

    engine: EngineClient
    terminal: Terminal
    environ: Mapping[str, str]

    def out(self, text: str = "") -> None:
        """Write one line to stdout."""
        self.write_out(text + "\n")

    def write_out(self, text: str) -> None:
        self.terminal.stdout.write(text.encode("utf-8"))
        self.terminal.stdout.flush()

    def err(self, text: str) -> None:
        """Write one line to stderr."""
        self.terminal.stderr.write((text + "\n").encode("utf-8"))
        self.terminal.stderr.flush()

    def stdout_is_terminal(self) -> bool:
        return _isatty(self.terminal.stdout)

    def stdin_is_terminal(self) -> bool:
        return self.terminal.stdin is not None and _isatty(self.terminal.stdin)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


Handler = Callable[[CommandContext, argparse.Namespace], int]
Subcommands = Any  # argparse's _SubParsersAction, which the typing stubs keep private
