"""Shared plumbing of `run`, `start -a`, `attach` and `exec`: exit waits, TTY size, sessions.

The engine must register a wait *before* the container starts, or a quick exit
is missed; `ExitWaiter` sends the wait on its own thread and returns once the
engine has answered with headers (docker's client blocks on exactly that).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import os
import signal
import threading
from collections.abc import Callable
from typing import Any

from dockyard.cli.context import CommandContext
from dockyard.cli.failures import CliFailure
from dockyard.cli.options import DEFAULT_DETACH_KEYS, parse_bool
from dockyard.cli.session import (
    DetachRequested,
    SignalPipe,
    StreamFailure,
    StreamSession,
    Terminal,
    raw_terminal,
)
from dockyard.cli.transport import ConnectionFailure, DaemonError, HijackedConnection

log = logging.getLogger(__name__)

WAIT_REGISTRATION_TIMEOUT = 10.0
PROXIED_SIGNALS = (
    signal.SIGINT,
    signal.SIGTERM,
    signal.SIGHUP,
    signal.SIGQUIT,
    signal.SIGUSR1,
    signal.SIGUSR2,
)
WAIT_FAILED = 125


class ExitWaiter:
    """`POST /containers/{id}/wait` held open in the background until the container exits."""

    def __init__(self, ctx: CommandContext, *, container_id: str, condition: str | None) -> None:
        self._ctx = ctx
        self._path = f"/containers/{ctx.engine.quote(container_id)}/wait"
        self._params = {"condition": condition} if condition else {}
        self._registered = threading.Event()
        self._finished = threading.Event()
        self._result: dict[str, Any] | None = None
        self._error: Exception | None = None
        self._thread = threading.Thread(target=self._wait, name="dockyard-wait", daemon=True)

    def begin(self) -> None:
        """Send the wait; return when the engine has accepted it (or after a safety timeout)."""
        self._thread.start()
        if not self._registered.wait(WAIT_REGISTRATION_TIMEOUT):
            log.debug("engine did not flush the wait response headers; starting anyway")

    def _wait(self) -> None:
        try:
            response = self._ctx.engine.request(
                "POST", self._path, params=self._params, stream=True, timeout=None
            )
            self._registered.set()
            self._result = response.json()
        except (DaemonError, ConnectionFailure, ValueError, OSError) as error:
            self._error = error
        finally:
            self._registered.set()
            self._finished.set()

    def settle(self, timeout: float) -> bool:
        """Wait up to `timeout` for the wait to answer; True if it did.

        Used after a failed start with --rm: docker waits for the engine to remove
        the container, but an engine that never does must not hang the CLI.
        """
        return self._finished.wait(timeout)

    def exit_status(self) -> int:
        """The container's exit code, or 125 (after saying why) when the wait failed."""
        self._finished.wait()
        if self._error is not None:
            self._ctx.err(f"error waiting for container: {self._error}")
            return WAIT_FAILED
        result = self._result or {}
        error = result.get("Error") or {}
        if error.get("Message"):
            self._ctx.err(f"Error waiting for container: {error['Message']}")
            return WAIT_FAILED
        return int(result.get("StatusCode", 0))


def terminal_size(ctx: CommandContext) -> tuple[int, int] | None:
    """(rows, columns) of the user's stdout terminal, if it is one."""
    if not ctx.stdout_is_terminal():
        return None
    try:
        size = os.get_terminal_size(ctx.terminal.stdout.fileno())
    except OSError:
        return None
    return size.lines, size.columns


def resize(ctx: CommandContext, path: str) -> None:
    """Tell the engine the terminal size (`POST {path}?h=&w=`); failures only get logged."""
    size = terminal_size(ctx)
    if size is None:
        return
    rows, columns = size
    if rows == 0 and columns == 0:
        return  # an unsized terminal (docker skips these too)
    try:
        ctx.engine.post(path, params={"h": rows, "w": columns})
    except (DaemonError, ConnectionFailure) as error:
        log.debug("resize failed: %s", error)


def proxy_signal(ctx: CommandContext, container_id: str, signum: signal.Signals) -> None:
    """Forward a signal the CLI received to the container, as docker's --sig-proxy does."""
    name = signum.name.removeprefix("SIG")
    try:
        ctx.engine.post(
            f"/containers/{ctx.engine.quote(container_id)}/kill", params={"signal": name}
        )
    except (DaemonError, ConnectionFailure) as error:
        log.debug("forwarding %s failed: %s", name, error)


def run_session(
    ctx: CommandContext,
    *,
    connection: HijackedConnection,
    tty: bool,
    with_stdin: bool,
    resize_path: str,
    on_proxied_signal: Callable[[signal.Signals], None] | None,
    detach_keys: bytes | None = DEFAULT_DETACH_KEYS,
) -> None:
    """Pump one hijacked connection with the terminal set up the way docker sets it up."""
    terminal = Terminal(
        stdin=ctx.terminal.stdin if with_stdin else None,
        stdout=ctx.terminal.stdout,
        stderr=ctx.terminal.stderr,
    )
    signals: list[signal.Signals] = []
    if tty and ctx.stdout_is_terminal():
        signals.append(signal.SIGWINCH)
    if on_proxied_signal is not None and not tty:
        signals.extend(PROXIED_SIGNALS)

    def dispatch(signum: signal.Signals) -> None:
        if signum == signal.SIGWINCH:
            resize(ctx, resize_path)
        elif on_proxied_signal is not None:
            on_proxied_signal(signum)

    raw_mode = (
        raw_terminal(ctx.terminal.stdin.fileno())
        if tty and with_stdin and ctx.terminal.stdin is not None and ctx.stdin_is_terminal()
        else contextlib.nullcontext()
    )
    with SignalPipe(signals) as pipe, raw_mode:
        StreamSession(
            sock=connection.sock,
            tty=tty,
            terminal=terminal,
            early_output=connection.early_output,
            detach_keys=detach_keys if tty and with_stdin else None,
            signals=pipe,
            on_signal=dispatch,
        ).run()


def add_sig_proxy_flag(parser: argparse.ArgumentParser, *, help: str) -> None:
    """`--sig-proxy[=BOOL]`, on by default, as `run` and `attach` take it (wording differs).

    Like Go's bool flags, a bare `--sig-proxy` never takes the next word as its value (that is
    the image or container name); `--sig-proxy=false` arrives as the hidden
    `--sig-proxy-value=false`, see `split_bool_flag_values`.
    """
    parser.add_argument(
        "--sig-proxy", dest="sig_proxy", action="store_const", const=True, default=True, help=help
    )
    parser.add_argument(
        "--sig-proxy-value", dest="sig_proxy", type=parse_bool, help=argparse.SUPPRESS
    )


BOOL_FLAGS_WITH_VALUES = ("--sig-proxy",)


def split_bool_flag_values(argv: list[str]) -> list[str]:
    """`--flag=VALUE` of a Go-style bool flag → the hidden `--flag-value=VALUE` option."""
    out = []
    for token in argv:
        flag, sep, value = token.partition("=")
        out.append(f"{flag}-value={value}" if sep and flag in BOOL_FLAGS_WITH_VALUES else token)
    return out


def attach_params(*, with_stdin: bool, detach_keys: str | None) -> dict[str, int | str]:
    """The query of `POST /containers/{id}/attach` for a session that follows the output."""
    params: dict[str, int | str] = {"stream": 1, "stdout": 1, "stderr": 1}
    if with_stdin:
        params["stdin"] = 1
    if detach_keys:
        params["detachKeys"] = detach_keys
    return params


def refuse_piped_tty_input(ctx: CommandContext, *, tty: bool, with_stdin: bool) -> None:
    """docker refuses to feed a TTY session from a pipe or file: raw mode needs a terminal."""
    if tty and with_stdin and not ctx.stdin_is_terminal():
        raise CliFailure("the input device is not a TTY")


def follow(
    ctx: CommandContext,
    *,
    connection: HijackedConnection,
    tty: bool,
    with_stdin: bool,
    resize_path: str,
    proxy_to: str | None,
    detach_keys: bytes,
) -> bool:
    """Size the TTY, then pump the session until it ends; False when the user detached.

    `proxy_to` names the container that receives the signals the CLI gets (--sig-proxy).
    """
    if tty:
        resize(ctx, resize_path)
    try:
        run_session(
            ctx,
            connection=connection,
            tty=tty,
            with_stdin=with_stdin,
            resize_path=resize_path,
            on_proxied_signal=functools.partial(proxy_signal, ctx, proxy_to) if proxy_to else None,
            detach_keys=detach_keys,
        )
    except DetachRequested:
        return False
    except StreamFailure as error:
        raise CliFailure(str(error)) from None
    return True


def follow_container(
    ctx: CommandContext,
    container_id: str,
    connection: HijackedConnection,
    *,
    tty: bool,
    with_stdin: bool,
    sig_proxy: bool,
    detach_keys: bytes,
    waiter: ExitWaiter,
) -> int:
    """Follow an attached container: its exit status, or 0 when the user detached."""
    finished = follow(
        ctx,
        connection=connection,
        tty=tty,
        with_stdin=with_stdin,
        resize_path=f"/containers/{ctx.engine.quote(container_id)}/resize",
        proxy_to=container_id if sig_proxy else None,
        detach_keys=detach_keys,
    )
    return waiter.exit_status() if finished else 0
