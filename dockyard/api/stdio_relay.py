"""Copying a container's (or exec's) stdio between a ``StdioSession`` and a hijacked socket.

Output: every ``session.read()`` item becomes one frame (raw with a TTY) until it returns
``None``; then the socket is closed, which is how clients learn the process ended.
Input: client bytes go to ``write_stdin``; the client's write half-close is *not* a detach, it
only means "no more stdin" (``close_stdin``) and output keeps flowing. The detach key sequence
(``ctrl-p,ctrl-q`` by default) detaches, as dockerd's escape proxy does.
"""

from __future__ import annotations

import asyncio
import logging

from dockyard.api.disconnect import ClientGone
from dockyard.api.hijack import HijackedConnection
from dockyard.api.streams import encode_output
from dockyard.engine.facade import StdioSession
from dockyard.errors import InvalidParameter

log = logging.getLogger(__name__)

DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q"
_CTRL_SPECIALS = {"@": 0, "[": 27, "\\": 28, "]": 29, "^": 30, "_": 31}


def parse_detach_keys(spec: str) -> bytes:
    """moby/term ``ToBytes``: comma-separated single characters or ``ctrl-<x>``."""
    out = bytearray()
    for key in spec.split(","):
        name = key.strip().lower()
        if len(name) == 1:
            out.append(ord(name))
        elif name.startswith("ctrl-") and len(name) == 6:
            char = name[5]
            if "a" <= char <= "z":
                out.append(ord(char) - ord("a") + 1)
            elif char in _CTRL_SPECIALS:
                out.append(_CTRL_SPECIALS[char])
            else:
                raise InvalidParameter(f"Invalid detach keys ({spec}) provided")
        else:
            raise InvalidParameter(f"Invalid detach keys ({spec}) provided")
    return bytes(out)


class DetachScanner:
    """Finds the detach sequence in stdin; holds back a partial match until it resolves."""

    def __init__(self, keys: bytes) -> None:
        self._keys = keys
        self._held = bytearray()

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        """Return the bytes to pass on and whether the sequence was completed."""
        if not self._keys:
            return data, False
        passed = bytearray()
        for byte in data:
            if byte == self._keys[len(self._held)]:
                self._held.append(byte)
                if len(self._held) == len(self._keys):
                    self._held.clear()
                    return bytes(passed), True
                continue
            passed += self._held
            self._held.clear()
            if byte == self._keys[0]:
                self._held.append(byte)
            else:
                passed.append(byte)
        return bytes(passed), False


async def _copy_output(session: StdioSession, connection: HijackedConnection) -> None:
    while (item := await session.read()) is not None:
        stream, data = item
        if data:
            await connection.write(encode_output(stream, data, tty=session.tty))


async def _copy_input(
    session: StdioSession, connection: HijackedConnection, detach_keys: bytes
) -> None:
    scanner = DetachScanner(detach_keys)
    while data := await connection.read():
        passed, detached = scanner.feed(data)
        if passed:
            await session.write_stdin(passed)
        if detached:
            await session.detach()
            return
    if not connection.lost.done():
        await session.close_stdin()


async def relay(
    session: StdioSession, connection: HijackedConnection, *, detach_keys: bytes = b""
) -> None:
    """Run both directions until the output ends or the client leaves; then close the socket."""
    output = asyncio.create_task(_copy_output(session, connection))
    incoming = asyncio.create_task(_copy_input(session, connection, detach_keys))
    try:
        await asyncio.wait({output, connection.lost}, return_when=asyncio.FIRST_COMPLETED)
        if output.done() and not isinstance(output.exception(), ClientGone | None):
            log.error("copying output to the client failed", exc_info=output.exception())
    finally:
        finished = output.done() and not output.cancelled() and output.exception() is None
        for task in (output, incoming):
            task.cancel()
        _, input_outcome = await asyncio.gather(output, incoming, return_exceptions=True)
        if isinstance(input_outcome, Exception) and not isinstance(input_outcome, ClientGone):
            log.error("copying stdin to the process failed", exc_info=input_outcome)
        if not finished:
            # The client left (or we are shutting down): stop following the process,
            # which keeps running.
            await session.detach()
        await connection.close()
