"""Image verbs that only need metadata: images, image inspect, tag, rmi."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from dockyard.cli.commands.inspect import print_inspected
from dockyard.cli.context import CommandContext, Subcommands
from dockyard.cli.failures import CliFailure, OptionError
from dockyard.cli.formatting import render_rows, template_errors_reported
from dockyard.cli.humanize import truncate_id
from dockyard.cli.listing import IMAGE_COLUMNS, IMAGE_HEADERS, image_rows
from dockyard.cli.options import parse_filters
from dockyard.cli.references import split_reference
from dockyard.cli.transport import DaemonError


def _add_list_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-a", "--all", action="store_true", help="Show all images")
    parser.add_argument("-q", "--quiet", action="store_true", help="Only show image IDs")
    parser.add_argument("--no-trunc", action="store_true", help="Don't truncate output")
    parser.add_argument("-f", "--filter", action="append", default=[], help="Filter output")
    parser.add_argument("--format", help="Format output using a Go template or 'table'")
    parser.add_argument("reference", nargs="?", metavar="REPOSITORY[:TAG]")
    parser.set_defaults(handler=list_images)


def _add_remove_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-f", "--force", action="store_true", help="Force removal")
    parser.add_argument("--no-prune", action="store_true", help="Keep untagged parents")
    parser.add_argument("images", nargs="+", metavar="IMAGE")
    parser.set_defaults(handler=remove_images)


def _add_tag_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SOURCE_IMAGE[:TAG]")
    parser.add_argument("target", metavar="TARGET_IMAGE[:TAG]")
    parser.set_defaults(handler=tag_image)


def register(commands: Subcommands) -> None:
    _add_list_flags(
        commands.add_parser(
            "images", usage="%(prog)s [OPTIONS] [REPOSITORY[:TAG]]", help="List images"
        )
    )
    _add_remove_flags(
        commands.add_parser(
            "rmi",
            usage="%(prog)s [OPTIONS] IMAGE [IMAGE...]",
            requires="at least 1 argument",
            help="Remove one or more images",
        )
    )
    _add_tag_arguments(
        commands.add_parser(
            "tag",
            usage="%(prog)s SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
            requires="2 arguments",
            help="Create a tag that refers to an image",
        )
    )

    image = commands.add_parser("image", usage="%(prog)s COMMAND", help="Manage images")
    verbs = image.add_subparsers(
        dest="image_command", metavar="COMMAND", required=True, prog="dockyard image"
    )
    inspect = verbs.add_parser(
        "inspect",
        usage="%(prog)s [OPTIONS] IMAGE [IMAGE...]",
        requires="at least 1 argument",
        help="Display detailed information on images",
    )
    inspect.add_argument("-f", "--format", help="Format output using a Go template")
    inspect.add_argument("images", nargs="+", metavar="IMAGE")
    inspect.set_defaults(handler=inspect_images)
    _add_list_flags(
        verbs.add_parser("ls", usage="%(prog)s [OPTIONS] [REPOSITORY[:TAG]]", help="List images")
    )
    _add_remove_flags(
        verbs.add_parser(
            "rm",
            usage="%(prog)s [OPTIONS] IMAGE [IMAGE...]",
            requires="at least 1 argument",
            help="Remove one or more images",
        )
    )
    _add_tag_arguments(
        verbs.add_parser(
            "tag",
            usage="%(prog)s SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
            requires="2 arguments",
            help="Create a tag that refers to an image",
        )
    )


def list_images(ctx: CommandContext, args: argparse.Namespace) -> int:
    try:
        filters = parse_filters(args.filter)
    except OptionError as error:
        raise CliFailure(str(error)) from None
    if args.reference:
        filters.setdefault("reference", {})[args.reference] = True
    params: dict[str, Any] = {}
    if args.all:
        params["all"] = 1
    if filters:
        params["filters"] = json.dumps(filters)
    summaries = ctx.engine.get_json("/images/json", params=params)
    if args.quiet:
        seen: list[str] = []
        for summary in summaries:
            identifier = str(summary.get("Id", ""))
            shown = identifier if args.no_trunc else truncate_id(identifier)
            if shown not in seen:
                seen.append(shown)
        ctx.write_out("".join(line + "\n" for line in seen))
        return 0
    rows = image_rows(summaries, now=time.time(), truncate=not args.no_trunc)
    with template_errors_reported():
        text = render_rows(
            rows, format_spec=args.format, headers=IMAGE_HEADERS, default_columns=IMAGE_COLUMNS
        )
    ctx.write_out(text)
    return 0


def inspect_images(ctx: CommandContext, args: argparse.Namespace) -> int:
    found = []
    errors = []
    for name in args.images:
        try:
            found.append(ctx.engine.get_json(f"/images/{ctx.engine.quote(name)}/json"))
        except DaemonError as error:
            errors.append(str(error))
    print_inspected(ctx, found, args.format)
    for message in errors:
        ctx.err(message)
    return 1 if errors else 0


def tag_image(ctx: CommandContext, args: argparse.Namespace) -> int:
    target = split_reference(args.target)
    params = {"repo": target.repository, "tag": target.tag}
    ctx.engine.post(f"/images/{ctx.engine.quote(args.source)}/tag", params=params)
    return 0


def remove_images(ctx: CommandContext, args: argparse.Namespace) -> int:
    params: dict[str, Any] = {}
    if args.force:
        params["force"] = 1
    if args.no_prune:
        params["noprune"] = 1
    failed = False
    for name in args.images:
        try:
            answer = ctx.engine.delete(f"/images/{ctx.engine.quote(name)}", params=params)
        except DaemonError as error:
            ctx.err(str(error))
            failed = True
            continue
        for item in answer or []:
            if item.get("Untagged"):
                ctx.out(f"Untagged: {item['Untagged']}")
            if item.get("Deleted"):
                ctx.out(f"Deleted: {item['Deleted']}")
    return 1 if failed else 0
