"""`ps`: list containers in docker's table (or `--format`)."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from dockyard.cli.context import CommandContext, Subcommands
from dockyard.cli.failures import CliFailure, OptionError
from dockyard.cli.formatting import render_rows, template_errors_reported
from dockyard.cli.listing import CONTAINER_COLUMNS, CONTAINER_HEADERS, container_fields
from dockyard.cli.options import parse_filters


def register(commands: Subcommands) -> None:
    parser = commands.add_parser("ps", usage="%(prog)s [OPTIONS]", help="List containers")
    parser.add_argument("-a", "--all", action="store_true", help="Show all containers")
    parser.add_argument("-q", "--quiet", action="store_true", help="Only display container IDs")
    parser.add_argument("--no-trunc", action="store_true", help="Don't truncate output")
    parser.add_argument("-n", "--last", type=int, default=-1, help="Show n last created")
    parser.add_argument("-l", "--latest", action="store_true", help="Show the latest created")
    parser.add_argument("-s", "--size", action="store_true", help="Display total file sizes")
    parser.add_argument("-f", "--filter", action="append", default=[], help="Filter output")
    parser.add_argument("--format", help="Format output using a Go template or 'table'")
    parser.set_defaults(handler=list_containers)


def list_params(args: argparse.Namespace) -> dict[str, Any]:
    """The `GET /containers/json` query docker's client sends for these flags."""
    params: dict[str, Any] = {}
    limit = 1 if args.latest else args.last
    if args.all or limit != -1:
        params["all"] = 1
    if limit != -1:
        params["limit"] = limit
    if args.size:
        params["size"] = 1
    filters = parse_filters(args.filter)
    if filters:
        params["filters"] = json.dumps(filters)
    return params


def list_containers(ctx: CommandContext, args: argparse.Namespace) -> int:
    try:
        params = list_params(args)
    except OptionError as error:
        raise CliFailure(str(error)) from None
    summaries = ctx.engine.get_json("/containers/json", params=params)
    now = time.time()
    rows = [container_fields(s, now=now, truncate=not args.no_trunc) for s in summaries]
    if args.quiet:
        ctx.write_out("".join(row["ID"] + "\n" for row in rows))
        return 0
    columns = list(CONTAINER_COLUMNS) + (["Size"] if args.size else [])
    with template_errors_reported():
        text = render_rows(
            rows, format_spec=args.format, headers=CONTAINER_HEADERS, default_columns=columns
        )
    ctx.write_out(text)
    return 0
