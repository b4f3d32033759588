"""Verbs that act on existing containers by name: stop, kill, restart, rm, wait, rename,
update and top. Multi-container verbs report each failure and exit 1 if any failed,
printing the names that succeeded, as docker does."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from dockyard.cli.context import CommandContext, Subcommands
from dockyard.cli.failures import CliFailure, OptionError
from dockyard.cli.options import parse_memory_bytes, parse_nano_cpus, parse_restart_policy
from dockyard.cli.tables import render_table
from dockyard.cli.transport import DaemonError


def register(commands: Subcommands) -> None:
    stop = commands.add_parser(
        "stop",
        usage="%(prog)s [OPTIONS] CONTAINER [CONTAINER...]",
        requires="at least 1 argument",
        help="Stop one or more running containers",
    )
    stop.add_argument(
        "-t",
        "--time",
        "--timeout",
        dest="timeout",
        type=int,
        help="Seconds to wait before killing the container",
    )
    stop.add_argument("-s", "--signal", help="Signal to send to the container")
    stop.add_argument("containers", nargs="+", metavar="CONTAINER")
    stop.set_defaults(handler=stop_containers)

    restart = commands.add_parser(
        "restart",
        usage="%(prog)s [OPTIONS] CONTAINER [CONTAINER...]",
        requires="at least 1 argument",
        help="Restart one or more containers",
    )
    restart.add_argument(
        "-t",
        "--time",
        "--timeout",
        dest="timeout",
        type=int,
        help="Seconds to wait before killing the container",
    )
    restart.add_argument("-s", "--signal", help="Signal to send to the container")
    restart.add_argument("containers", nargs="+", metavar="CONTAINER")
    restart.set_defaults(handler=restart_containers)

    kill = commands.add_parser(
        "kill",
        usage="%(prog)s [OPTIONS] CONTAINER [CONTAINER...]",
        requires="at least 1 argument",
        help="Kill one or more running containers",
    )
    kill.add_argument("-s", "--signal", help="Signal to send to the container")
    kill.add_argument("containers", nargs="+", metavar="CONTAINER")
    kill.set_defaults(handler=kill_containers)

    remove = commands.add_parser(
        "rm",
        usage="%(prog)s [OPTIONS] CONTAINER [CONTAINER...]",
        requires="at least 1 argument",
        help="Remove one or more containers",
    )
    remove.add_argument("-f", "--force", action="store_true", help="Force removal")
    remove.add_argument("-v", "--volumes", action="store_true", help="Remove anonymous volumes")
    remove.add_argument("containers", nargs="+", metavar="CONTAINER")
    remove.set_defaults(handler=remove_containers)

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

    update = commands.add_parser(
        "update",
        usage="%(prog)s [OPTIONS] CONTAINER [CONTAINER...]",
        requires="at least 1 argument",
        help="Update configuration of containers",
    )
    update.add_argument("--restart", help="Restart policy to apply when a container exits")
    update.add_argument("-m", "--memory", help="Memory limit")
    update.add_argument("--cpus", help="Number of CPUs")
    update.add_argument("containers", nargs="+", metavar="CONTAINER")
    update.set_defaults(handler=update_containers)

    top = commands.add_parser(
        "top",
        usage="%(prog)s CONTAINER [ps OPTIONS]",
        requires="at least 1 argument",
        help="Display the running processes of a container",
    )
    top.add_argument("container", metavar="CONTAINER")
    top.add_argument("ps_args", nargs=argparse.REMAINDER, metavar="[ps OPTIONS]")
    top.set_defaults(handler=top_container)


def for_each(
    ctx: CommandContext,
    names: list[str],
    action: Callable[[str], str | None],
    *,
    forgive: Callable[[DaemonError], bool] = lambda _error: False,
) -> int:
    """Run `action` per name; print its output line (or the name) or the error; 1 if any failed."""
    failed = False
    for name in names:
        try:
            line = action(name)
        except DaemonError as error:
            ctx.err(str(error))
            failed = failed or not forgive(error)
            continue
        ctx.out(name if line is None else line)
    return 1 if failed else 0


def _path(ctx: CommandContext, name: str, suffix: str = "") -> str:
    return f"/containers/{ctx.engine.quote(name)}{suffix}"


def _stop_params(args: argparse.Namespace) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if args.timeout is not None:
        params["t"] = args.timeout
    if args.signal:
        params["signal"] = args.signal
    return params


def stop_containers(ctx: CommandContext, args: argparse.Namespace) -> int:
    params = _stop_params(args)

    def stop(name: str) -> None:
        ctx.engine.request("POST", _path(ctx, name, "/stop"), params=params, timeout=None)

    return for_each(ctx, args.containers, stop)


def restart_containers(ctx: CommandContext, args: argparse.Namespace) -> int:
    params = _stop_params(args)

    def restart(name: str) -> None:
        ctx.engine.request("POST", _path(ctx, name, "/restart"), params=params, timeout=None)

    return for_each(ctx, args.containers, restart)


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
