"""Docker's ``json-file`` log: one ``{"log","stream","time"}`` object per line.

The writer turns raw stdio chunks into records split on newlines (a trailing partial line waits
for its newline, or for ``flush`` when the stream ends). Followers get each record as it is
written, tagged with the file offset after it, so a reader that first scans the file and then
switches to live records can drop the ones it already saw without a gap or a duplicate.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

from dockyard.engine.facade import LogOptions, LogRecord

MAX_PARTIAL = 16 * 1024  # Docker splits lines longer than 16 KiB into several records


def rfc3339_nano(t: float | None = None) -> str:
    ns = int((t if t is not None else dt.datetime.now(dt.UTC).timestamp()) * 1e9)
    secs, frac = divmod(ns, 1_000_000_000)
    base = dt.datetime.fromtimestamp(secs, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{frac:09d}Z"


def parse_time(value: str) -> float:
    head, _, frac = value.rstrip("Z").partition(".")
    base = dt.datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.UTC)
    return base.timestamp() + (int((frac + "000000000")[:9]) / 1e9 if frac else 0.0)


class JsonLogWriter:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, "ab", buffering=0)  # noqa: SIM115 - lives as long as the writer
        self._partial: dict[str, bytes] = {"stdout": b"", "stderr": b""}
        self._followers: set[asyncio.Queue[tuple[int, LogRecord] | None]] = set()

    def write(self, stream: str, chunk: bytes) -> None:
        data = self._partial.get(stream, b"") + chunk
        lines = data.split(b"\n")
        self._partial[stream] = lines.pop()
        for line in lines:
            self._emit(stream, line + b"\n")
        while len(self._partial[stream]) >= MAX_PARTIAL:
            head, self._partial[stream] = (
                self._partial[stream][:MAX_PARTIAL],
                self._partial[stream][MAX_PARTIAL:],
            )
            self._emit(stream, head)

    def flush(self) -> None:
        for stream, rest in self._partial.items():
            if rest:
                self._emit(stream, rest)
            self._partial[stream] = b""

    def _emit(self, stream: str, data: bytes) -> None:
        record = LogRecord(stream=stream, data=data, time=rfc3339_nano())
        line = json.dumps(
            {"log": data.decode("utf-8", "replace"), "stream": stream, "time": record.time},
            ensure_ascii=False,
        )
        self._file.write(line.encode() + b"\n")
        offset = self._file.tell()
        for queue in list(self._followers):
            queue.put_nowait((offset, record))

    def follow(self) -> asyncio.Queue[tuple[int, LogRecord] | None]:
        queue: asyncio.Queue[tuple[int, LogRecord] | None] = asyncio.Queue()
        self._followers.add(queue)
        return queue

    def unfollow(self, queue: asyncio.Queue[tuple[int, LogRecord] | None]) -> None:
        self._followers.discard(queue)

    def end_followers(self) -> None:
        """The container stopped: tell every follower there is nothing more to come."""
        for queue in list(self._followers):
            queue.put_nowait(None)

    def close(self) -> None:
        self.flush()
        self.end_followers()
        self._file.close()


def read_records(path: Path, *, limit_offset: int | None = None) -> list[LogRecord]:
    records: list[LogRecord] = []
    try:
        with open(path, "rb") as f:
            data = f.read() if limit_offset is None else f.read(limit_offset)
    except FileNotFoundError:
        return records
    for raw in data.splitlines():
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError:
            continue
        records.append(
            LogRecord(stream=obj["stream"], data=obj["log"].encode(), time=obj.get("time", ""))
        )
    return records


def _wanted(record: LogRecord, options: LogOptions) -> bool:
    if record.stream == "stdout" and not options.stdout:
        return False
    if record.stream == "stderr" and not options.stderr:
        return False
    if options.since is not None or options.until is not None:
        t = parse_time(record.time)
        if options.since is not None and t < options.since:
            return False
        if options.until is not None and t > options.until:
            return False
    return True


async def read_log(
    path: Path, options: LogOptions, writer: JsonLogWriter | None
) -> AsyncIterator[LogRecord]:
    """Stored records (tail/since/until applied), then live ones when following a live writer."""
    queue = writer.follow() if (options.follow and writer is not None) else None
    try:
        size = os.path.getsize(path) if path.exists() else 0
        records = [r for r in read_records(path, limit_offset=size) if _wanted(r, options)]
        if options.tail is not None:
            records = records[-options.tail :] if options.tail > 0 else []
        for record in records:
            yield record
        if queue is None:
            return
        while True:
            item = await queue.get()
            if item is None:
                return
            offset, record = item
            if offset <= size:
                continue
            if options.until is not None and parse_time(record.time) > options.until:
                return
            if _wanted(record, options):
                yield record
    finally:
        if queue is not None and writer is not None:
            writer.unfollow(queue)
