"""`run` and `create`: make a container from flags, and for `run` also start and follow it."""

from __future__ import annotations

import argparse
import logging

from dockyard.cli.attaching import (
    ExitWaiter,
    add_sig_proxy_flag,
    attach_params,
    follow_container,
    refuse_piped_tty_input,
)
from dockyard.cli.commands.container_flags import (
    CreateRequest,
    add_container_flags,
    build_create_request,
)
from dockyard.cli.context import CommandContext, Subcommands
from dockyard.cli.failures import OptionError
from dockyard.cli.options import parse_detach_keys
from dockyard.cli.references import split_reference
from dockyard.cli.transport import ConnectionFailure, DaemonError

log = logging.getLogger(__name__)

AUTO_REMOVE_GRACE = 10.0  # how long a failed `run --rm` waits for the engine's removal


def register(commands: Subcommands) -> None:
    run = commands.add_parser(
        "run",
        usage="%(prog)s [OPTIONS] IMAGE [COMMAND] [ARG...]",
        requires="at least 1 argument",
        add_help=False,
        help="Create and run a new container from an image",
    )
    add_container_flags(run)
    run.add_argument("-d", "--detach", action="store_true", help="Run in background, print ID")
    add_sig_proxy_flag(run, help="Proxy received signals to the process (default true)")
    run.add_argument("--detach-keys", help="Override the key sequence for detaching")
    run.set_defaults(handler=run_container)

    create = commands.add_parser(
        "create",
        usage="%(prog)s [OPTIONS] IMAGE [COMMAND] [ARG...]",
        requires="at least 1 argument",
        add_help=False,
        help="Create a new container",
    )
    add_container_flags(create)
    create.set_defaults(handler=create_container)


def start_failure_status(message: str) -> int:
    """docker's exit code for a refused create/start: 127 not found, 126 not runnable, else 125."""
    if "executable file not found" in message or "no such file or directory" in message:
        return 127
    if "permission denied" in message or "is a directory" in message:
        return 126
    return 125


def report(ctx: CommandContext, verb: str, message: str) -> None:
    """Print a refused `run`/`create` the way docker's `reportError` does, with the help hint."""
    ctx.err(f"dockyard: {message}\n\nRun 'dockyard {verb} --help' for more information")


def _create(ctx: CommandContext, request: CreateRequest) -> str:
    """Create the container and return its ID (raises DaemonError if the engine refuses).

    A missing image is named first and a pull is attempted, as docker does.
    """
    params = {"name": request.name} if request.name else None
    try:
        answer = ctx.engine.post_json("/containers/create", request.body, params=params)
    except DaemonError as error:
        if error.status_code != 404 or "image" not in error.message.lower():
            raise
        reference = split_reference(request.image).familiar
        ctx.err(f"Unable to find image '{reference}' locally")
        _pull(ctx, reference)
        answer = ctx.engine.post_json("/containers/create", request.body, params=params)
    for warning in answer.get("Warnings") or []:
        ctx.err(f"WARNING: {warning}")
    return str(answer["Id"])


def _pull(ctx: CommandContext, reference: str) -> None:
    """Ask the engine to pull a missing image, printing its progress to stderr like docker."""
    parts = split_reference(reference)
    response = ctx.engine.request(
        "POST",
        "/images/create",
        params={"fromImage": parts.repository, "tag": parts.tag},
        stream=True,
        timeout=None,
    )
    for message in ctx.engine.stream_json(response):
        if message.get("error"):
            raise DaemonError(str(message["error"]), status_code=500)
        if message.get("status"):
            ctx.err(str(message["status"]))


def create_container(ctx: CommandContext, args: argparse.Namespace) -> int:
    try:
        request = build_create_request(args, environ=ctx.environ)
    except OptionError as error:
        report(ctx, "create", str(error))
        return 125
    # Unlike `run`, docker's `create` prints an engine refusal plainly and exits 1.
    ctx.out(_create(ctx, request))
    return 0


def _start(ctx: CommandContext, container_id: str) -> None:
    ctx.engine.post(f"/containers/{ctx.engine.quote(container_id)}/start")


def run_container(ctx: CommandContext, args: argparse.Namespace) -> int:
    """docker run: create, attach (unless -d), wait-register, start, stream, exit code."""
    try:
        request = build_create_request(args, environ=ctx.environ, detach=args.detach)
        detach_keys = parse_detach_keys(args.detach_keys)
    except OptionError as error:
        report(ctx, "run", str(error))
        return 125
    if not args.detach:
        refuse_piped_tty_input(ctx, tty=args.tty, with_stdin=args.interactive)
    try:
        container_id = _create(ctx, request)
    except (DaemonError, ConnectionFailure) as error:
        report(ctx, "run", str(error))
        return start_failure_status(str(error))
    if args.detach:
        ctx.out(container_id)
        try:
            _start(ctx, container_id)
        except DaemonError as error:
            report(ctx, "run", str(error))
            return start_failure_status(error.message)
        return 0
    return _run_attached(ctx, args, request, container_id, detach_keys)


def _run_attached(
    ctx: CommandContext,
    args: argparse.Namespace,
    request: CreateRequest,
    container_id: str,
    detach_keys: bytes,
) -> int:
    params = attach_params(with_stdin=args.interactive, detach_keys=args.detach_keys)
    connection = ctx.engine.attach_socket(container_id, params=params)
    waiter = ExitWaiter(
        ctx,
        container_id=container_id,
        condition="removed" if request.auto_remove else "next-exit",
    )
    waiter.begin()
    try:
        _start(ctx, container_id)
    except DaemonError as error:
        connection.sock.close()
        report(ctx, "run", str(error))
        if request.auto_remove and not waiter.settle(AUTO_REMOVE_GRACE):
            log.debug("engine did not report the removal of %s", container_id)
        return start_failure_status(error.message)
    return follow_container(
        ctx,
        container_id,
        connection,
        tty=request.tty,
        with_stdin=args.interactive,
        sig_proxy=args.sig_proxy,
        detach_keys=detach_keys,
        waiter=waiter,
    )
