"""`start` (optionally attached) and `attach`: connect the terminal to a container's stdio."""

from __future__ import annotations

import argparse
from typing import Any

from dockyard.cli.attaching import (
    ExitWaiter,
    add_sig_proxy_flag,
    attach_params,
    follow_container,
    refuse_piped_tty_input,
)
from dockyard.cli.batch import act_on_each
from dockyard.cli.context import CommandContext, Subcommands
from dockyard.cli.failures import CliFailure, OptionError
from dockyard.cli.options import parse_detach_keys
from dockyard.cli.transport import DaemonError


def register(commands: Subcommands) -> None:
    start = commands.add_parser(
        "start",
        usage="%(prog)s [OPTIONS] CONTAINER [CONTAINER...]",
        requires="at least 1 argument",
        help="Start one or more stopped containers",
    )
    start.add_argument("-a", "--attach", action="store_true", help="Attach STDOUT/STDERR")
    start.add_argument("-i", "--interactive", action="store_true", help="Attach STDIN")
    start.add_argument("--detach-keys", help="Override the key sequence for detaching")
    start.add_argument("containers", nargs="+", metavar="CONTAINER")
    start.set_defaults(handler=start_containers)

    attach = commands.add_parser(
        "attach",
        usage="%(prog)s [OPTIONS] CONTAINER",
        requires="exactly 1 argument",
        help="Attach to a running container's streams",
    )
    attach.add_argument("--no-stdin", action="store_true", help="Do not attach STDIN")
    add_sig_proxy_flag(attach, help="Proxy all received signals to the process (default true)")
    attach.add_argument("--detach-keys", help="Override the key sequence for detaching")
    attach.add_argument("container", metavar="CONTAINER")
    attach.set_defaults(handler=attach_container)


def inspect_container(ctx: CommandContext, name: str) -> dict[str, Any]:
    return dict(ctx.engine.get_json(f"/containers/{ctx.engine.quote(name)}/json"))


def _keys(value: str | None) -> bytes:
    try:
        return parse_detach_keys(value)
    except OptionError as error:
        raise CliFailure(str(error)) from None


def start_containers(ctx: CommandContext, args: argparse.Namespace) -> int:
    if args.attach or args.interactive:
        if len(args.containers) > 1:
            raise CliFailure("you cannot start and attach multiple containers at once")
        return _start_attached(ctx, args, args.containers[0])

    def start(name: str) -> None:
        ctx.engine.post(f"/containers/{ctx.engine.quote(name)}/start")

    failed = [name for name, _error in act_on_each(ctx, args.containers, start)]
    if failed:
        raise CliFailure(f"Error: failed to start containers: {', '.join(failed)}")
    return 0


def _start_attached(ctx: CommandContext, args: argparse.Namespace, name: str) -> int:
    detach_keys = _keys(args.detach_keys)
    info = inspect_container(ctx, name)
    container_id = str(info["Id"])
    config = info.get("Config") or {}
    tty = bool(config.get("Tty"))
    with_stdin = bool(args.interactive and config.get("OpenStdin"))
    refuse_piped_tty_input(ctx, tty=tty, with_stdin=with_stdin)
    params = attach_params(with_stdin=with_stdin, detach_keys=args.detach_keys)
    connection = ctx.engine.attach_socket(container_id, params=params)
    auto_remove = bool((info.get("HostConfig") or {}).get("AutoRemove"))
    waiter = ExitWaiter(
        ctx, container_id=container_id, condition="removed" if auto_remove else "next-exit"
    )
    waiter.begin()
    try:
        ctx.engine.post(f"/containers/{ctx.engine.quote(container_id)}/start")
    except DaemonError:
        connection.sock.close()
        raise
    return follow_container(
        ctx,
        container_id,
        connection,
        tty=tty,
        with_stdin=with_stdin,
        sig_proxy=True,
        detach_keys=detach_keys,
        waiter=waiter,
    )


def attach_container(ctx: CommandContext, args: argparse.Namespace) -> int:
    detach_keys = _keys(args.detach_keys)
    waiter = ExitWaiter(ctx, container_id=args.container, condition=None)
    waiter.begin()
    info = inspect_container(ctx, args.container)
    state = info.get("State") or {}
    if not state.get("Running"):
        raise CliFailure("You cannot attach to a stopped container, start it first")
    if state.get("Paused"):
        raise CliFailure("You cannot attach to a paused container, unpause it first")
    if state.get("Restarting"):
        raise CliFailure("You cannot attach to a restarting container, wait until it is running")
    config = info.get("Config") or {}
    tty = bool(config.get("Tty"))
    with_stdin = bool(config.get("OpenStdin")) and not args.no_stdin
    refuse_piped_tty_input(ctx, tty=tty, with_stdin=with_stdin)
    params = attach_params(with_stdin=with_stdin, detach_keys=args.detach_keys)
    container_id = str(info["Id"])
    connection = ctx.engine.attach_socket(container_id, params=params)
    return follow_container(
        ctx,
        container_id,
        connection,
        tty=tty,
        with_stdin=with_stdin,
        sig_proxy=args.sig_proxy,
        detach_keys=detach_keys,
        waiter=waiter,
    )
