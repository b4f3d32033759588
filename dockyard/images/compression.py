"""Recognise and undo the compressions Docker accepts for layers and archives.

``docker import``, ``docker load`` and OCI layer blobs may arrive plain or as gzip, bzip2, xz
or zstd; Docker sniffs the magic bytes (``compression.DecompressStream``) rather than trusting
a media type or file name, and so do we. zstd has no decoder in the standard library, so it is
piped through the ``zstd`` binary when the host has one.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import lzma
import shutil
import subprocess
import threading
from collections.abc import Iterator
from typing import IO

from dockyard.errors import InvalidParameter

_MAGIC = [
    (b"\x1f\x8b\x08", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
]


def detect(head: bytes) -> str | None:
    """The compression named by the first bytes of a stream, or ``None`` for plain data."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return None


@contextlib.contextmanager
def decompressed(raw: IO[bytes]) -> Iterator[IO[bytes]]:
    """Yield a reader of ``raw``'s uncompressed bytes (``raw`` must be buffered/peekable)."""
    reader: io.BufferedReader = (
        raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[arg-type]
    )
    kind = detect(reader.peek(6)[:6])
    if kind is None:
        yield reader
    elif kind == "gzip":
        with gzip.GzipFile(fileobj=reader) as gz:
            yield gz  # type: ignore[misc]  # GzipFile is a binary reader; typeshed disagrees
    elif kind == "bzip2":
        with bz2.BZ2File(reader) as out:
            yield out
    elif kind == "xz":
        with lzma.LZMAFile(reader) as out:
            yield out
    else:
        with _zstd(reader) as out:
            yield out


@contextlib.contextmanager
def _zstd(reader: IO[bytes]) -> Iterator[IO[bytes]]:
    binary = shutil.which("zstd")
    if binary is None:
        raise InvalidParameter("unsupported compression format zstd: no zstd decoder on this host")
    proc = subprocess.Popen(
        [binary, "-d", "-c", "-q"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None
    feeder = _Feeder(reader, proc.stdin)
    feeder.start()
    try:
        yield proc.stdout
        proc.stdout.read()
    finally:
        proc.stdout.close()
        feeder.join()
        if proc.wait() != 0 and feeder.error is None:
            raise InvalidParameter("invalid zstd stream")


class _Feeder:
    """Copies the compressed input into the decoder's stdin from a helper thread."""

    def __init__(self, src: IO[bytes], dst: IO[bytes]) -> None:
        self.error: BaseException | None = None
        self._src, self._dst = src, dst
        self._thread = threading.Thread(target=self._run, name="dy-zstd-feed", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self) -> None:
        self._thread.join()

    def _run(self) -> None:
        try:
            shutil.copyfileobj(self._src, self._dst, 1 << 16)
        except (BrokenPipeError, OSError) as exc:  # the reader stopped early
            self.error = exc
        finally:
            with contextlib.suppress(OSError):
                self._dst.close()
