"""What the API layer may ask of the engine: the whole surface, in one Protocol.

The API package renders JSON and maps errors; it makes one call here per request. Handlers
never reach past this surface into runtime, images or store. ``dockyard.engine.service.Engine``
implements it; API unit tests use a fake that implements it too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from typing import Any, Protocol

from dockyard.engine.container import Container


@dataclass(frozen=True)
class LogRecord:
    stream: str  # "stdout" | "stderr"
    data: bytes  # one line, including its trailing "\n" when it had one
    time: str  # RFC 3339 with 9 fractional digits, as json-file stores it


@dataclass(frozen=True)
class LogOptions:
    stdout: bool = True
    stderr: bool = True
    follow: bool = False
    since: float | None = None  # unix seconds
    until: float | None = None
    tail: int | None = None  # None = all
    timestamps: bool = False


class StdioSession(Protocol):
    """A live connection to the stdio of a container or an exec.

    ``read`` yields ``(stream, data)`` with stream 1 = stdout, 2 = stderr (TTY output is all
    stream 1) and ``None`` once the process has exited and all output was delivered, or after
    ``detach``. ``write_stdin``/``close_stdin`` are no-ops when stdin was not requested.
    """

    tty: bool

    async def read(self) -> tuple[int, bytes] | None: ...

    async def write_stdin(self, data: bytes) -> None: ...

    async def close_stdin(self) -> None: ...

    async def detach(self) -> None: ...


class ImageService(Protocol):
    async def import_image(
        self,
        body: AsyncIterator[bytes],
        *,
        repo: str,
        tag: str,
        changes: list[str],
        message: str,
    ) -> str: ...  # returns "sha256:<id>"

    async def load(self, body: AsyncIterator[bytes]) -> list[str]: ...  # "Loaded image: x:y"

    def save(self, names: list[str]) -> AsyncIterator[bytes]: ...

    def list_images(self, *, all: bool, filters: dict[str, list[str]]) -> list[dict[str, Any]]: ...

    def inspect_image(self, name: str) -> dict[str, Any]: ...

    def tag(self, name: str, repo: str, tag: str) -> None: ...

    def remove_image(self, name: str, *, force: bool, noprune: bool) -> list[dict[str, str]]: ...


class EngineFacade(Protocol):
    @property
    def images(self) -> ImageService: ...

    # -- system -------------------------------------------------------------------------
    def info(self) -> dict[str, Any]: ...

    def version(self) -> dict[str, Any]: ...

    def events(
        self, *, since: float | None, until: float | None, filters: dict[str, list[str]]
    ) -> AsyncIterator[dict[str, Any]]: ...

    # -- containers ---------------------------------------------------------------------
    async def create_container(
        self, *, name: str | None, body: dict[str, Any]
    ) -> tuple[str, list[str]]: ...  # (id, warnings); body = Config + HostConfig + NetworkingConfig

    def get_container(self, ref: str) -> Container: ...  # name, id or unique id prefix

    def list_containers(
        self, *, all: bool, limit: int | None, filters: dict[str, list[str]]
    ) -> list[Container]: ...

    async def start(self, ref: str) -> None: ...  # NotModified when already running

    async def stop(self, ref: str, *, timeout: int | None, signal: str | None) -> None: ...

    async def kill(self, ref: str, *, signal: str | None) -> None: ...

    async def restart(self, ref: str, *, timeout: int | None, signal: str | None) -> None: ...

    async def remove(self, ref: str, *, force: bool, volumes: bool) -> None: ...

    async def wait(self, ref: str, *, condition: str) -> Awaitable[int]:
        """Validate now (so errors become HTTP errors), return what to await for the code."""
        ...

    def rename(self, ref: str, new_name: str) -> None: ...

    async def update(self, ref: str, body: dict[str, Any]) -> list[str]: ...  # warnings

    async def top(self, ref: str, ps_args: str) -> dict[str, Any]: ...  # {"Titles","Processes"}

    def logs(self, ref: str, options: LogOptions) -> AsyncIterator[LogRecord]: ...

    async def attach(
        self, ref: str, *, stdin: bool, stdout: bool, stderr: bool, logs: bool, stream: bool
    ) -> StdioSession: ...

    async def resize(self, ref: str, *, height: int, width: int) -> None: ...

    # -- exec ---------------------------------------------------------------------------
    async def exec_create(self, ref: str, body: dict[str, Any]) -> str: ...

    async def exec_start(self, exec_id: str, *, detach: bool, tty: bool) -> StdioSession | None: ...

    def exec_inspect(self, exec_id: str) -> dict[str, Any]: ...

    async def exec_resize(self, exec_id: str, *, height: int, width: int) -> None: ...
