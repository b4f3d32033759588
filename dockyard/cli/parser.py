"""The argument parser: docker's verbs as argparse subcommands, docker's exit code for misuse."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any, NoReturn

from dockyard import __version__
from dockyard.cli.commands import (
    attach,
    execute,
    image_transfer,
    images,
    inspect,
    lifecycle,
    ps,
    run,
    system,
)
from dockyard.cli.failures import UsageError


class DockerStyleParser(argparse.ArgumentParser):
    """An ArgumentParser that reports misuse as docker does (message, usage, exit code).

    `requires` words the positional-argument rule for the "requires …" message,
    e.g. "at least 1 argument", because argparse's own wording names metavars instead.
    """

    def __init__(self, *args: Any, requires: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.requires = requires

    def docker_usage(self) -> str | None:
        return self.usage % {"prog": self.prog} if self.usage else None

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """Refuse leftovers at the level that knows them, so the message names this command."""
        parsed, extras = super().parse_known_args(args, namespace)
        if extras and extras[0].startswith("-"):
            self.error(f"unknown flag: {extras[0]}")
        if extras:
            rule = f"requires {self.requires}" if self.requires else "accepts no arguments"
            raise UsageError(
                f"'{self.prog}' {rule}",
                command=self.prog,
                usage=self.docker_usage(),
                missing_arguments=True,
            )
        return parsed, extras

    def error(self, message: str) -> NoReturn:
        if message.startswith("the following arguments are required") and self.requires:
            raise UsageError(
                f"'{self.prog}' requires {self.requires}",
                command=self.prog,
                usage=self.docker_usage(),
                missing_arguments=True,
            )
        raise UsageError(message, command=self.prog, usage=self.docker_usage())


def build_parser() -> DockerStyleParser:
    parser = DockerStyleParser(
        prog="dockyard",
        description="A self-sufficient runtime for containers, speaking the Docker Engine API.",
    )
    parser.add_argument(
        "-H",
        "--host",
        help="Engine socket to connect to (default: $DOCKYARD_HOST or unix:///run/dockyard.sock)",
    )
    parser.add_argument("-D", "--debug", action="store_true", help="Enable debug output on stderr")
    parser.add_argument("-v", "--version", action="version", version=f"dockyard {__version__}")
    commands = parser.add_subparsers(dest="verb", metavar="COMMAND", parser_class=DockerStyleParser)
    for module in (run, attach, execute, lifecycle, ps, inspect, images, image_transfer, system):
        module.register(commands)
    return parser
