"""`exec`: run an extra process in a running container and exit with its code."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from dockyard.cli.attaching import follow, refuse_piped_tty_input
from dockyard.cli.context import CommandContext, Subcommands
from dockyard.cli.failures import CliFailure, OptionError, UsageError
from dockyard.cli.options import parse_detach_keys, parse_env

EXEC_USAGE = "dockyard exec [OPTIONS] CONTAINER COMMAND [ARG...]"


def register(commands: Subcommands) -> None:
    parser = commands.add_parser(
        "exec",
        usage="%(prog)s [OPTIONS] CONTAINER COMMAND [ARG...]",
        requires="at least 2 arguments",
        help="Execute a command in a running container",
    )
    parser.add_argument("-d", "--detach", action="store_true", help="Run in the background")
    parser.add_argument("-i", "--interactive", action="store_true", help="Keep STDIN open")
    parser.add_argument("-t", "--tty", action="store_true", help="Allocate a pseudo-TTY")
    parser.add_argument("-e", "--env", action="append", default=[], help="Set variables")
    parser.add_argument("-u", "--user", help="Username or UID (format: <name|uid>[:<group|gid>])")
    parser.add_argument("-w", "--workdir", help="Working directory inside the container")
    parser.add_argument("--privileged", action="store_true", help="Extended privileges")
    parser.add_argument("--detach-keys", help="Override the key sequence for detaching")
    parser.add_argument("container", metavar="CONTAINER")
    parser.add_argument("command", nargs=argparse.REMAINDER, metavar="COMMAND [ARG...]")
    parser.set_defaults(handler=exec_in_container)


def exec_body(args: argparse.Namespace, *, environ: Mapping[str, str]) -> dict[str, Any]:
    """The `POST /containers/{id}/exec` body, shaped like docker's ExecOptions."""
    attach = not args.detach
    body: dict[str, Any] = {
        "User": args.user or "",
        "Privileged": args.privileged,
        "Tty": args.tty,
        "AttachStdin": args.interactive and attach,
        "AttachStdout": attach,
        "AttachStderr": attach,
        "Detach": args.detach,
        "Env": parse_env(args.env, environ=environ),
        "WorkingDir": args.workdir or "",
        "Cmd": list(args.command),
    }
    if args.detach_keys:
        body["DetachKeys"] = args.detach_keys
    return body


def exec_in_container(ctx: CommandContext, args: argparse.Namespace) -> int:
    if not args.command:
        raise UsageError(
            "'dockyard exec' requires at least 2 arguments",
            command="dockyard exec",
            usage=EXEC_USAGE,
            missing_arguments=True,
        )
    try:
        body = exec_body(args, environ=ctx.environ)
        detach_keys = parse_detach_keys(args.detach_keys)
    except OptionError as error:
        raise CliFailure(str(error), status=125) from None
    if not args.detach:
        refuse_piped_tty_input(ctx, tty=args.tty, with_stdin=args.interactive)
    engine = ctx.engine
    created = engine.post_json(f"/containers/{engine.quote(args.container)}/exec", body)
    exec_id = str(created["Id"])
    if args.detach:
        engine.post_json(f"/exec/{exec_id}/start", {"Detach": True, "Tty": args.tty})
        return 0
    connection = engine.exec_socket(exec_id, tty=args.tty)
    attached = follow(
        ctx,
        connection=connection,
        tty=args.tty,
        with_stdin=args.interactive,
        resize_path=f"/exec/{exec_id}/resize",
        proxy_to=None,
        detach_keys=detach_keys,
    )
    if not attached:
        return 0  # the user detached; the process goes on
    inspected = engine.get_json(f"/exec/{exec_id}/json")
    return int(inspected.get("ExitCode") or 0)
