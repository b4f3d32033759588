"""The CLI's only way to the engine: Engine API requests over `docker.APIClient`.

`EngineClient` connects lazily (so `--help` and flag errors need no daemon),
negotiates the API version once, and turns every failure into one of two
errors: `DaemonError` (the engine answered with an error status) or
`ConnectionFailure` (no engine answered at all).
"""

from __future__ import annotations

import json
import logging
import socket
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import docker
import requests
from docker.errors import APIError, DockerException, create_api_error_from_http_exception

from dockyard import __version__

log = logging.getLogger(__name__)

DEFAULT_HOST = "unix:///run/dockyard.sock"
HOST_ENV = "DOCKYARD_HOST"
USER_AGENT = f"Dockyard-Client/{__version__} (linux)"
REQUEST_TIMEOUT = 60.0
_PEEK_LIMIT = 1 << 16

Params = Mapping[str, Any]


class DaemonError(Exception):
    """The engine refused a request; `message` is its `{"message": ...}` text."""

    def __init__(self, message: str, *, status_code: int) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code

    def __str__(self) -> str:
        return f"Error response from daemon: {self.message}"


class ConnectionFailure(Exception):
    """No engine answered on the configured host."""

    def __init__(self, host: str) -> None:
        super().__init__(
            f"Cannot connect to the dockyard daemon at {host}. Is the dockyard daemon running?"
        )
        self.host = host


def resolve_host(flag: str | None, environ: Mapping[str, str]) -> str:
    """`-H` wins, then DOCKYARD_HOST, then the default socket; DOCKER_HOST is never read."""
    return flag or environ.get(HOST_ENV) or DEFAULT_HOST


def _daemon_error(error: APIError) -> DaemonError:
    status = error.response.status_code if error.response is not None else 500
    return DaemonError(str(error.explanation or error), status_code=status)


class EngineClient:
    """Engine API calls for the CLI commands, on top of the SDK's transport."""

    def __init__(self, *, host: str) -> None:
        self.host = host
        self._api: docker.APIClient | None = None

    @property
    def api(self) -> docker.APIClient:
        """The connected SDK client; the first use negotiates the API version."""
        if self._api is None:
            try:
                api = docker.APIClient(
                    base_url=self.host,
                    version="auto",
                    timeout=REQUEST_TIMEOUT,
                    user_agent=USER_AGENT,
                )
            except DockerException as error:
                log.debug("connecting to %s failed: %s", self.host, error)
                raise ConnectionFailure(self.host) from error
            api.trust_env = False
            self._api = api
        return self._api

    @property
    def api_version(self) -> str:
        return str(self.api.api_version)

    def url(self, path: str, *, versioned: bool = True) -> str:
        prefix = f"/v{self.api_version}" if versioned else ""
        return f"{self.api.base_url}{prefix}{path}"

    @staticmethod
    def quote(segment: str) -> str:
        """Escape one path segment (a name or ID given by the user)."""
        return urllib.parse.quote(segment, safe="")

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json_body: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        timeout: float | None = REQUEST_TIMEOUT,
    ) -> requests.Response:
        """Send one request; raise DaemonError for 4xx/5xx, ConnectionFailure if unreachable."""
        all_headers = dict(headers or {})
        if json_body is not None:
            data = json.dumps(json_body)
            all_headers["Content-Type"] = "application/json"
        try:
            response: requests.Response = self.api.request(
                method,
                self.url(path),
                params=params,
                data=data,
                headers=all_headers,
                stream=stream,
                timeout=timeout,
            )
        except requests.ConnectionError as error:
            raise ConnectionFailure(self.host) from error
        self.raise_for_status(response)
        return response

    @staticmethod
    def raise_for_status(response: requests.Response) -> None:
        try:
            response.raise_for_status()
        except requests.HTTPError as http_error:
            try:
                create_api_error_from_http_exception(http_error)
            except APIError as error:
                raise _daemon_error(error) from None

    def get_json(self, path: str, *, params: Params | None = None) -> Any:
        return self.request("GET", path, params=params).json()

    def post_json(self, path: str, body: Any = None, *, params: Params | None = None) -> Any:
        """POST and decode the answer; an empty body (204, 304) decodes to None."""
        response = self.request("POST", path, params=params, json_body=body)
        if response.status_code in (204, 304) or not response.content:
            return None
        return response.json()

    def post(self, path: str, *, params: Params | None = None) -> requests.Response:
        return self.request("POST", path, params=params)

    def delete(self, path: str, *, params: Params | None = None) -> Any:
        response = self.request("DELETE", path, params=params)
        return response.json() if response.content else None

    def stream_json(self, response: requests.Response) -> Iterator[Any]:
        """Decode a stream of JSON objects (events, pull/import progress) as they arrive."""
        decoder = json.JSONDecoder()
        buffer = ""
        for chunk in response.iter_content(chunk_size=None, decode_unicode=False):
            buffer += chunk.decode("utf-8", errors="replace")
            while True:
                buffer = buffer.lstrip()
                if not buffer:
                    break
                try:
                    value, end = decoder.raw_decode(buffer)
                except json.JSONDecodeError:
                    break
                buffer = buffer[end:]
                yield value

    def attach_socket(self, container_id: str, *, params: Params) -> HijackedConnection:
        """Hijack `POST /containers/{id}/attach` into a raw two-way connection."""
        try:
            raw = self.api.attach_socket(container_id, params=dict(params))
        except APIError as error:
            raise _daemon_error(error) from None
        except requests.ConnectionError as error:
            raise ConnectionFailure(self.host) from error
        return _own_socket(raw)

    def exec_socket(self, exec_id: str, *, tty: bool) -> HijackedConnection:
        """Hijack `POST /exec/{id}/start` into a raw two-way connection."""
        try:
            raw = self.api.exec_start(exec_id, tty=tty, socket=True)
        except APIError as error:
            raise _daemon_error(error) from None
        except requests.ConnectionError as error:
            raise ConnectionFailure(self.host) from error
        return _own_socket(raw)


@dataclass(frozen=True, kw_only=True)
class HijackedConnection:
    """A raw two-way connection after `101 UPGRADED`, plus output that raced the upgrade."""

    sock: socket.socket
    early_output: bytes


def _own_socket(raw: Any) -> HijackedConnection:
    """Take the SDK's hijacked `SocketIO` over as a socket object of our own.

    We duplicate its file descriptor so we can `select`, half-close
    (`shutdown(SHUT_WR)`) and close it ourselves. The HTTP parser may already
    have buffered output the engine sent right behind the 101 headers (an
    `attach` to a chatty container); that is recovered rather than lost.
    """
    early = _buffered_after_headers(raw)
    duplicate = socket.socket(fileno=socket.dup(raw.fileno()))
    duplicate.setblocking(True)
    raw.close()
    return HijackedConnection(sock=duplicate, early_output=early)


def _buffered_after_headers(raw: Any) -> bytes:
    """Bytes sitting in the response reader's buffer past the headers (best effort).

    The SDK keeps the response on the socket object (`_response`); its reader
    is a BufferedReader over `raw`. A zero timeout makes `peek` return only what
    is buffered (or already in the kernel) instead of waiting for more.
    """
    try:
        reader = raw._response.raw._fp.fp
        original = raw._sock
    except AttributeError:
        return b""
    try:
        original.settimeout(0.0)
        return bytes(reader.peek(_PEEK_LIMIT))
    except (OSError, ValueError):
        return b""
