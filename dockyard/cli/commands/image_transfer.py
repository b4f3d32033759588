"""Moving image bytes in and out: import (rootfs tarball), load and save (image archives)."""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import Any, BinaryIO

import requests

from dockyard.cli.context import CommandContext, Subcommands
from dockyard.cli.failures import CliFailure

_CHUNK = 1 << 16


def register(commands: Subcommands) -> None:
    importer = commands.add_parser(
        "import",
        usage="%(prog)s [OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
        requires="at least 1 argument",
        help="Import a tarball to create an image",
    )
    importer.add_argument(
        "-c",
        "--change",
        action="append",
        default=[],
        help="Apply Dockerfile instruction to the created image",
    )
    importer.add_argument("-m", "--message", help="Set commit message for imported image")
    importer.add_argument("source", metavar="file|URL|-")
    importer.add_argument("reference", nargs="?", metavar="REPOSITORY[:TAG]")
    importer.set_defaults(handler=import_image)

    load = commands.add_parser(
        "load", usage="%(prog)s [OPTIONS]", help="Load an image from a tar archive or STDIN"
    )
    load.add_argument("-i", "--input", help="Read from tar archive file, instead of STDIN")
    load.add_argument("-q", "--quiet", action="store_true", help="Suppress the load output")
    load.set_defaults(handler=load_images)

    save = commands.add_parser(
        "save",
        usage="%(prog)s [OPTIONS] IMAGE [IMAGE...]",
        requires="at least 1 argument",
        help="Save images to a tar archive (STDOUT default)",
    )
    save.add_argument("-o", "--output", help="Write to a file, instead of STDOUT")
    save.add_argument("images", nargs="+", metavar="IMAGE")
    save.set_defaults(handler=save_images)


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    while chunk := stream.read(_CHUNK):
        yield chunk


def _reason(error: OSError) -> str:
    """Go's lower-case wording of an errno ("no such file or directory")."""
    return (error.strerror or str(error)).lower()


def show_progress(ctx: CommandContext, response: requests.Response) -> None:
    """Print a JSON-message stream (docker's jsonmessage display, without progress bars)."""
    for message in ctx.engine.stream_json(response):
        if not isinstance(message, dict):
            continue
        error = message.get("error") or (message.get("errorDetail") or {}).get("message")
        if error:
            raise CliFailure(str(error))
        if message.get("stream"):
            ctx.write_out(str(message["stream"]))
        elif message.get("status"):
            prefix = f"{message['id']}: " if message.get("id") else ""
            ctx.out(prefix + str(message["status"]))


def import_image(ctx: CommandContext, args: argparse.Namespace) -> int:
    params: dict[str, Any] = {"fromSrc": args.source}
    if args.reference:
        params["repo"] = args.reference
    if args.message:
        params["message"] = args.message
    if args.change:
        params["changes"] = args.change
    headers = {"Content-Type": "text/plain"}
    with contextlib.ExitStack() as stack:
        data: Any = None
        if args.source == "-":
            if ctx.terminal.stdin is None:
                raise CliFailure("requested import from stdin, but stdin is not available")
            data = _chunks(ctx.terminal.stdin)
        elif "://" not in args.source:
            try:
                source = stack.enter_context(open(args.source, "rb"))  # noqa: SIM115
            except OSError as error:
                raise CliFailure(f"open {args.source}: {_reason(error)}") from None
            params["fromSrc"] = "-"
            data = _chunks(source)
        response = ctx.engine.request(
            "POST",
            "/images/create",
            params=params,
            data=data,
            headers=headers,
            stream=True,
            timeout=None,
        )
        show_progress(ctx, response)
    return 0


def load_images(ctx: CommandContext, args: argparse.Namespace) -> int:
    with contextlib.ExitStack() as stack:
        if args.input:
            try:
                source: BinaryIO = stack.enter_context(open(args.input, "rb"))  # noqa: SIM115
            except OSError as error:
                raise CliFailure(f"open {args.input}: {_reason(error)}") from None
        else:
            if ctx.terminal.stdin is None or ctx.stdin_is_terminal():
                raise CliFailure("requested load from stdin, but stdin is empty")
            source = ctx.terminal.stdin
        quiet = args.quiet or not ctx.stdout_is_terminal()
        response = ctx.engine.request(
            "POST",
            "/images/load",
            params={"quiet": 1 if quiet else 0},
            data=_chunks(source),
            headers={"Content-Type": "application/x-tar"},
            stream=True,
            timeout=None,
        )
        if response.headers.get("Content-Type", "").startswith("application/json"):
            show_progress(ctx, response)
        else:
            for chunk in response.iter_content(chunk_size=None):
                ctx.terminal.stdout.write(chunk)
            ctx.terminal.stdout.flush()
    return 0


def save_images(ctx: CommandContext, args: argparse.Namespace) -> int:
    if not args.output and ctx.stdout_is_terminal():
        raise CliFailure("cowardly refusing to save to a terminal. Use the -o flag or redirect")
    response = ctx.engine.request(
        "GET", "/images/get", params={"names": args.images}, stream=True, timeout=None
    )
    if not args.output:
        for chunk in response.iter_content(chunk_size=_CHUNK):
            ctx.terminal.stdout.write(chunk)
        ctx.terminal.stdout.flush()
        return 0
    _write_atomically(args.output, response.iter_content(chunk_size=_CHUNK))
    return 0


def _write_atomically(path: str, chunks: Iterator[bytes]) -> None:
    """Write to a temporary file beside `path` and rename, so a failure leaves no half archive."""
    directory = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(prefix=".dy-save-", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as output:
            for chunk in chunks:
                output.write(chunk)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
