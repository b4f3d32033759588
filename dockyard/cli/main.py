"""Entry point of the `dockyard` command: parse, dispatch, turn failures into exit codes.

Exit codes follow docker: 125 for a bad flag (and for refusals of `run`, decided in
its handler), 1 for other failures, the container's code for run/start -a/exec.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence

from dockyard.cli.attaching import split_bool_flag_values
from dockyard.cli.context import CommandContext, Handler
from dockyard.cli.failures import CliFailure, UsageError
from dockyard.cli.parser import build_parser
from dockyard.cli.session import Terminal
from dockyard.cli.transport import ConnectionFailure, DaemonError, EngineClient, resolve_host

log = logging.getLogger("dockyard.cli")

INTERRUPTED = 130


def run_cli(argv: Sequence[str], *, terminal: Terminal, environ: Mapping[str, str]) -> int:
    """Run one command against the engine and return its exit status."""
    stderr = terminal.stderr

    def say(text: str) -> None:
        stderr.write((text + "\n").encode("utf-8"))
        stderr.flush()

    parser = build_parser()
    try:
        args = parser.parse_args(split_bool_flag_values(list(argv)))
    except UsageError as error:
        say(error.render())
        return error.status
    except SystemExit as exit_request:  # --help and --version
        return int(exit_request.code or 0)
    if args.debug:
        logging.basicConfig(level=logging.DEBUG, format="DEBU %(name)s: %(message)s")
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        terminal.stdout.write(parser.format_help().encode("utf-8"))
        terminal.stdout.flush()
        return 0
    engine = EngineClient(host=resolve_host(args.host, environ))
    ctx = CommandContext(engine=engine, terminal=terminal, environ=environ)
    try:
        return int(handler(ctx, args))
    except UsageError as error:
        say(error.render())
        return error.status
    except CliFailure as failure:
        if failure.message:
            say(failure.message)
        return failure.status
    except (DaemonError, ConnectionFailure) as error:
        say(str(error))
        return 1
    except KeyboardInterrupt:
        return INTERRUPTED
    except BrokenPipeError:
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point (`dockyard = dockyard.cli.main:main`)."""
    terminal = Terminal(stdin=sys.stdin.buffer, stdout=sys.stdout.buffer, stderr=sys.stderr.buffer)
    status = run_cli(sys.argv[1:] if argv is None else argv, terminal=terminal, environ=os.environ)
    return status


if __name__ == "__main__":
    sys.exit(main())
