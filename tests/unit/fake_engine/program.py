"""The pretend shell fake containers run, and the ``StdioSession`` it feeds.

Understood: ``echo [..] [>&2]``, ``cat`` (stdin to stdout until EOF), ``sleep N|infinity``,
``exit N``, ``true``, ``false``; several joined with ``;`` under ``sh -c``. Anything else is
``not found`` (127) inside ``sh -c``, and an OCI start failure when it is the entrypoint.
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Callable

from dockyard.errors import InvalidParameter

SIGNALS = {"HUP": 1, "INT": 2, "QUIT": 3, "KILL": 9, "USR1": 10, "USR2": 12, "TERM": 15}
BUILTINS = {"echo", "cat", "sleep", "exit", "true", "false"}

Emit = Callable[[int, bytes], None]


def parse_signal(value: str | None, default: int) -> int:
    if not value:
        return default
    name = value.upper().removeprefix("SIG")
    if name.isdigit():
        return int(name)
    if name not in SIGNALS:
        raise InvalidParameter(f"Invalid signal: {value}")
    return SIGNALS[name]


def program_of(argv: list[str]) -> list[list[str]]:
    if len(argv) > 2 and argv[0] in ("sh", "/bin/sh") and argv[1] == "-c":
        return [shlex.split(part) for part in argv[2].split(";") if part.strip()]
    return [argv]


async def run_program(argv: list[str], emit: Emit, stdin: asyncio.Queue[bytes | None]) -> int:
    """Interpret the pretend shell; ``emit(stream, data)`` receives the output."""
    for words in program_of(argv):
        command, args = words[0], words[1:]
        if command == "echo":
            to_err = bool(args) and args[-1] == ">&2"
            text = " ".join(args[:-1] if to_err else args)
            emit(2 if to_err else 1, (text + "\n").encode())
        elif command == "cat":
            while (data := await stdin.get()) is not None:
                emit(1, data)
        elif command == "sleep":
            if args and args[0] == "infinity":
                await asyncio.Event().wait()
            await asyncio.sleep(float(args[0]) if args else 0)
        elif command == "exit":
            return int(args[0]) if args else 0
        elif command == "false":
            return 1
        elif command != "true":
            emit(2, f"sh: {command}: not found\n".encode())
            return 127
    return 0


class FakeSession:
    """A ``StdioSession`` fed by a fake process; tests look at ``detached``/``stdin_closed``.

    The client's end of stdin follows moby's attach rule: with ``StdinOnce`` and no TTY it
    closes the process's stdin; otherwise it ends this attach and leaves the process alone.
    """

    def __init__(
        self,
        *,
        tty: bool,
        stdin: asyncio.Queue[bytes | None] | None,
        close_stdin_on_eof: bool = True,
    ) -> None:
        self.tty = tty
        self.queue: asyncio.Queue[tuple[int, bytes] | None] = asyncio.Queue()
        self._stdin = stdin
        self._close_process_stdin = close_stdin_on_eof and not tty
        self.detached = False
        self.stdin_closed = False

    def deliver(self, item: tuple[int, bytes] | None) -> None:
        if not self.detached:
            self.queue.put_nowait(item)

    async def read(self) -> tuple[int, bytes] | None:
        if self.detached:
            return None
        return await self.queue.get()

    async def write_stdin(self, data: bytes) -> None:
        if self._stdin is not None:
            self._stdin.put_nowait(data)

    async def close_stdin(self) -> None:
        if self._stdin is None:
            return
        self.stdin_closed = True
        if self._close_process_stdin:
            self._stdin.put_nowait(None)
        else:
            await self.detach()

    async def detach(self) -> None:
        self.detached = True
        self.queue.put_nowait(None)
