"""`inspect` (containers, then images, like docker without --type) and `logs`."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from dockyard.cli.context import CommandContext, Subcommands
from dockyard.cli.failures import CliFailure, OptionError
from dockyard.cli.formatting import template_errors_reported
from dockyard.cli.frames import FrameDecoder, FrameError, StreamType
from dockyard.cli.template import Template
from dockyard.cli.timestamps import api_timestamp
from dockyard.cli.transport import DaemonError

_OBJECT_PATHS = {
    "container": "/containers/{}/json",
    "image": "/images/{}/json",
}


def register(commands: Subcommands) -> None:
    inspect = commands.add_parser(
        "inspect",
        usage="%(prog)s [OPTIONS] NAME|ID [NAME|ID...]",
        requires="at least 1 argument",
        help="Return low-level information on objects",
    )
    inspect.add_argument("-f", "--format", help="Format output using a Go template")
    inspect.add_argument("--type", choices=sorted(_OBJECT_PATHS), help="Only this object type")
    inspect.add_argument("-s", "--size", action="store_true", help="Display total file sizes")
    inspect.add_argument("names", nargs="+", metavar="NAME|ID")
    inspect.set_defaults(handler=inspect_objects)

    logs = commands.add_parser(
        "logs",
        usage="%(prog)s [OPTIONS] CONTAINER",
        requires="exactly 1 argument",
        help="Fetch the logs of a container",
    )
    logs.add_argument("-f", "--follow", action="store_true", help="Follow log output")
    logs.add_argument("--tail", "-n", default="all", help="Lines to show from the end")
    logs.add_argument("-t", "--timestamps", action="store_true", help="Show timestamps")
    logs.add_argument("--since", help="Logs since timestamp or relative (e.g. 42m)")
    logs.add_argument("--until", help="Logs before timestamp or relative (e.g. 42m)")
    logs.add_argument("--details", action="store_true", help="Show extra details")
    logs.add_argument("container", metavar="CONTAINER")
    logs.set_defaults(handler=show_logs)


def print_inspected(ctx: CommandContext, objects: list[Any], format_spec: str | None) -> None:
    """Print objects as docker does: an indented JSON array, or one template line each."""
    if format_spec is None:
        ctx.out(json.dumps(objects, indent=4, ensure_ascii=False))
        return
    with template_errors_reported():
        template = Template(format_spec)
        lines = [template.render(value) for value in objects]
    ctx.write_out("".join(line + "\n" for line in lines))


def find_object(ctx: CommandContext, name: str, kinds: list[str]) -> Any:
    """The first kind of object `name` resolves to; only 404s move on to the next kind."""
    for kind in kinds:
        path = _OBJECT_PATHS[kind].format(ctx.engine.quote(name))
        try:
            return ctx.engine.get_json(path)
        except DaemonError as error:
            if error.status_code != 404:
                raise
            if len(kinds) == 1:
                raise
    raise DaemonError(f"No such object: {name}", status_code=404)


def inspect_objects(ctx: CommandContext, args: argparse.Namespace) -> int:
    kinds = [args.type] if args.type else ["container", "image"]
    found = []
    errors = []
    for name in args.names:
        try:
            found.append(find_object(ctx, name, kinds))
        except DaemonError as error:
            errors.append(str(error) if args.type else f"Error: No such object: {name}")
    # docker prints what it found first, then the names it could not resolve.
    print_inspected(ctx, found, args.format)
    for message in errors:
        ctx.err(message)
    return 1 if errors else 0


def logs_params(args: argparse.Namespace, *, now: datetime) -> dict[str, Any]:
    """The `GET /containers/{id}/logs` query for these flags (as docker's client sends it)."""
    params: dict[str, Any] = {"stdout": 1, "stderr": 1, "tail": args.tail}
    if args.follow:
        params["follow"] = 1
    if args.timestamps:
        params["timestamps"] = 1
    if args.details:
        params["details"] = 1
    if args.since:
        params["since"] = api_timestamp(args.since, now=now)
    if args.until:
        params["until"] = api_timestamp(args.until, now=now)
    return params


def show_logs(ctx: CommandContext, args: argparse.Namespace) -> int:
    try:
        params = logs_params(args, now=datetime.now().astimezone())
    except OptionError as error:
        raise CliFailure(str(error)) from None
    info = ctx.engine.get_json(f"/containers/{ctx.engine.quote(args.container)}/json")
    tty = bool((info.get("Config") or {}).get("Tty"))
    response = ctx.engine.request(
        "GET",
        f"/containers/{ctx.engine.quote(str(info['Id']))}/logs",
        params=params,
        stream=True,
        timeout=None,
    )
    decoder = FrameDecoder()
    stdout, stderr = ctx.terminal.stdout, ctx.terminal.stderr
    try:
        for chunk in response.iter_content(chunk_size=None):
            if tty:
                stdout.write(chunk)
                stdout.flush()
                continue
            for frame in decoder.feed(chunk):
                if frame.stream == StreamType.SYSTEM_ERROR:
                    raise CliFailure(frame.payload.decode("utf-8", errors="replace"))
                target = stderr if frame.stream == StreamType.STDERR else stdout
                target.write(frame.payload)
                target.flush()
    except FrameError as error:
        raise CliFailure(str(error)) from None
    finally:
        response.close()
    return 0
