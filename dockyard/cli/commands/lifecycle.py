"""Verbs that act on existing containers by name: stop, kill, restart, rm, wait, rename,
update and top. Multi-container verbs report each failure and exit 1 if any failed,
printing the names that succeeded, as docker does."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from dockyard.cli.batch import for_each
from dockyard.cli.context import CommandContext, Handler, Subcommands
from dockyard.cli.failures import CliFailure, OptionError
from dockyard.cli.options import parse_memory_bytes, parse_nano_cpus, parse_restart_policy
from dockyard.cli.tables import render_table
from dockyard.cli.transport import DaemonError

MULTI_USAGE = "%(prog)s [OPTIONS] CONTAINER [CONTAINER...]"


def _add_multi_verb(
    commands: Subcommands, name: str, *, help: str, handler: Handler
) -> argparse.ArgumentParser:
    """A verb taking one or more containers; the caller adds its flags."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name, usage=MULTI_USAGE, requires="at least 1 argument", help=help
    )
    parser.add_argument("containers", nargs="+", metavar="CONTAINER")
    parser.set_defaults(handler=handler)
    return parser


def _add_signal_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-s", "--signal", help="Signal to send to the container")


def register(commands: Subcommands) -> None:
    for action, help in (
        ("stop", "Stop one or more running containers"),
        ("restart", "Restart one or more containers"),
    ):
        verb = _add_multi_verb(commands, action, help=help, handler=_stopping_handler(action))
        verb.add_argument(
            "-t",
            "--time",
            "--timeout",
            dest="timeout",
            type=int,
            help="Seconds to wait before killing the container",
        )
        _add_signal_flag(verb)

    kill = _add_multi_verb(
        commands, "kill", help="Kill one or more running containers", handler=kill_containers
    )
    _add_signal_flag(kill)

    remove = _add_multi_verb(
        commands, "rm", help="Remove one or more containers", handler=remove_containers
    )
    remove.add_argument("-f", "--force", action="store_true", help="Force removal")
    remove.add_argument("-v", "--volumes", action="store_true", help="Remove anonymous volumes")

    wait = commands.add_parser(
        "wait",
        usage="%(prog)s CONTAINER [CONTAINER...]",
        requires="at least 1 argument",
        help="Block until containers stop, print exit codes",
    )
    wait.add_argument("containers", nargs="+", metavar="CONTAINER")
    wait.set_defaults(handler=wait_containers)

    rename = commands.add_parser(
        "rename",
        usage="%(prog)s CONTAINER NEW_NAME",
        requires="2 arguments",
        help="Rename a container",
    )
    rename.add_argument("container", metavar="CONTAINER")
    rename.add_argument("new_name", metavar="NEW_NAME")
    rename.set_defaults(handler=rename_container)

    update = _add_multi_verb(
        commands, "update", help="Update configuration of containers", handler=update_containers
    )
    update.add_argument("--restart", help="Restart policy to apply when a container exits")
    update.add_argument("-m", "--memory", help="Memory limit")
    update.add_argument("--cpus", help="Number of CPUs")

    top = commands.add_parser(
        "top",
        usage="%(prog)s CONTAINER [ps OPTIONS]",
        requires="at least 1 argument",
        help="Display the running processes of a container",
    )
    top.add_argument("container", metavar="CONTAINER")
    top.add_argument("ps_args", nargs=argparse.REMAINDER, metavar="[ps OPTIONS]")
    top.set_defaults(handler=top_container)


def _path(ctx: CommandContext, name: str, suffix: str = "") -> str:
    return f"/containers/{ctx.engine.quote(name)}{suffix}"


def _stop_params(args: argparse.Namespace) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if args.timeout is not None:
        params["t"] = args.timeout
    if args.signal:
        params["signal"] = args.signal
    return params


def _stopping_handler(action: str) -> Handler:
    """`stop` and `restart`: the same flags, sent to `POST /containers/{name}/{action}`."""

    def handle(ctx: CommandContext, args: argparse.Namespace) -> int:
        params = _stop_params(args)

        def act(name: str) -> None:
            ctx.engine.request("POST", _path(ctx, name, f"/{action}"), params=params, timeout=None)

        return for_each(ctx, args.containers, act)

    return handle


def kill_containers(ctx: CommandContext, args: argparse.Namespace) -> int:
    params = {"signal": args.signal} if args.signal else None

    def kill(name: str) -> None:
        ctx.engine.post(_path(ctx, name, "/kill"), params=params)

    return for_each(ctx, args.containers, kill)


def remove_containers(ctx: CommandContext, args: argparse.Namespace) -> int:
    params: dict[str, Any] = {}
    if args.force:
        params["force"] = 1
    if args.volumes:
        params["v"] = 1

    def remove(name: str) -> None:
        ctx.engine.request("DELETE", _path(ctx, name), params=params, timeout=None)

    # `rm -f` of a container that is already gone is not a failure (docker prints, exits 0).
    return for_each(
        ctx,
        args.containers,
        remove,
        forgive=lambda error: args.force and error.status_code == 404,
    )


def wait_containers(ctx: CommandContext, args: argparse.Namespace) -> int:
    def wait(name: str) -> str:
        result = ctx.engine.request("POST", _path(ctx, name, "/wait"), timeout=None).json()
        message = (result.get("Error") or {}).get("Message")
        if message:
            raise DaemonError(message, status_code=500)
        return str(result.get("StatusCode", 0))

    return for_each(ctx, args.containers, wait)


def rename_container(ctx: CommandContext, args: argparse.Namespace) -> int:
    if not args.container.strip() or not args.new_name.strip():
        raise CliFailure("Error: Neither old nor new names may be empty")
    try:
        ctx.engine.post(_path(ctx, args.container, "/rename"), params={"name": args.new_name})
    except DaemonError as error:
        ctx.err(str(error))
        raise CliFailure(f"Error: failed to rename container named {args.container}") from None
    return 0


def update_body(args: argparse.Namespace) -> dict[str, Any]:
    """The UpdateConfig body; a RestartPolicy with an empty name means "leave it as it is"."""
    if args.restart is None and args.memory is None and args.cpus is None:
        raise OptionError("you must provide one or more flags when using this command")
    restart = parse_restart_policy(args.restart or "")
    body: dict[str, Any] = {"RestartPolicy": restart.to_api()}
    if args.memory is not None:
        body["Memory"] = _flag(args.memory, "-m, --memory", parse_memory_bytes)
    if args.cpus is not None:
        body["NanoCpus"] = _flag(args.cpus, "--cpus", parse_nano_cpus)
    return body


def _flag(value: str, flag: str, parse: Callable[[str], int]) -> int:
    try:
        return parse(value)
    except OptionError as error:
        raise OptionError(f'invalid argument "{value}" for "{flag}" flag: {error}') from None


def update_containers(ctx: CommandContext, args: argparse.Namespace) -> int:
    try:
        body = update_body(args)
    except OptionError as error:
        raise CliFailure(str(error)) from None

    def update(name: str) -> None:
        answer = ctx.engine.post_json(_path(ctx, name, "/update"), body) or {}
        for warning in answer.get("Warnings") or []:
            ctx.err(warning)

    return for_each(ctx, args.containers, update)


def top_container(ctx: CommandContext, args: argparse.Namespace) -> int:
    params = {"ps_args": " ".join(args.ps_args)} if args.ps_args else None
    answer = ctx.engine.get_json(_path(ctx, args.container, "/top"), params=params)
    titles = [str(title) for title in answer.get("Titles") or []]
    rows = [[str(cell) for cell in row] for row in answer.get("Processes") or []]
    ctx.write_out(render_table(titles, rows, min_width=20))
    return 0
