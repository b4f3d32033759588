"""The container record: what the engine knows about one container, persisted as JSON.

``config`` and ``host_config`` are kept in Docker's own JSON shape (the ``Config`` and
``HostConfig`` objects of the Engine API, with the image's defaults merged in at create), because
``inspect`` must echo them back unchanged and every client already speaks that shape. Everything
the engine adds (state, shim address, restart bookkeeping) lives in typed fields.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any

ZERO_TIME = "0001-01-01T00:00:00Z"


def now_rfc3339() -> str:
    """Docker's timestamp form: RFC 3339 with nanosecond digits, UTC, ``Z`` suffix."""
    t = dt.datetime.now(dt.UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond:06d}000Z"


def parse_rfc3339(value: str) -> dt.datetime | None:
    """Parse a Docker timestamp; ``None`` for the zero time."""
    if not value or value.startswith("0001-01-01"):
        return None
    head, _, frac = value.rstrip("Z").partition(".")
    micro = int((frac + "000000")[:6]) if frac else 0
    base = dt.datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.UTC)
    return base.replace(microsecond=micro)


class Status(enum.StrEnum):
    """``State.Status`` values, exactly as Docker spells them."""

    CREATED = "created"
    RUNNING = "running"
    PAUSED = "paused"
    RESTARTING = "restarting"
    REMOVING = "removing"
    EXITED = "exited"
    DEAD = "dead"


@dataclass
class State:
    status: Status = Status.CREATED
    running: bool = False
    paused: bool = False
    restarting: bool = False
    oom_killed: bool = False
    dead: bool = False
    pid: int = 0
    exit_code: int = 0
    error: str = ""
    started_at: str = ZERO_TIME
    finished_at: str = ZERO_TIME

    def set_running(self, pid: int) -> None:
        self.status, self.running, self.restarting, self.paused = Status.RUNNING, True, False, False
        self.pid, self.exit_code, self.error, self.oom_killed = pid, 0, "", False
        self.started_at = now_rfc3339()

    def set_stopped(self, exit_code: int, *, finished_at: str | None = None) -> None:
        self.status, self.running, self.restarting, self.paused = Status.EXITED, False, False, False
        self.pid, self.exit_code = 0, exit_code
        self.finished_at = finished_at or now_rfc3339()

    def set_restarting(self, exit_code: int, *, finished_at: str | None = None) -> None:
        """Docker keeps ``Running`` true while a policy restart is pending."""
        self.status, self.running, self.restarting, self.paused = (
            Status.RESTARTING,
            True,
            True,
            False,
        )
        self.pid, self.exit_code = 0, exit_code
        self.finished_at = finished_at or now_rfc3339()

    def to_docker(self) -> dict[str, Any]:
        return {
            "Status": self.status.value,
            "Running": self.running,
            "Paused": self.paused,
            "Restarting": self.restarting,
            "OOMKilled": self.oom_killed,
            "Dead": self.dead,
            "Pid": self.pid,
            "ExitCode": self.exit_code,
            "Error": self.error,
            "StartedAt": self.started_at,
            "FinishedAt": self.finished_at,
        }


@dataclass
class ShimRecord:
    """Where the container's shim lives, so a restarted engine can reconnect to it."""

    address: str
    bundle: str
    binary: str
    pid: int = 0


@dataclass
class Container:
    id: str
    name: str  # without the leading "/"
    created: str
    image: str  # the reference the user gave (Config.Image)
    image_id: str  # "sha256:..."
    config: dict[str, Any]  # Docker ``Config`` shape, image defaults merged
    host_config: dict[str, Any]  # Docker ``HostConfig`` shape
    path: str  # argv[0]
    args: list[str]
    runtime: str  # resolved runtime name (HostConfig.Runtime)
    state: State = field(default_factory=State)
    restart_count: int = 0
    has_been_manually_stopped: bool = False
    has_been_started_before: bool = False
    shim: ShimRecord | None = None
    exec_ids: list[str] = field(default_factory=list)
    # An exit seen but not yet fully recorded (set before teardown, cleared after): lets the
    # next engine finish the job with the real code if this one dies in between.
    pending_exit_code: int | None = None
    pending_exit_at: str = ""
    log_path: str = ""
    hostname_path: str = ""
    hosts_path: str = ""
    resolv_conf_path: str = ""

    @property
    def short_id(self) -> str:
        return self.id[:12]

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["state"]["status"] = self.state.status.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Container:
        """Rebuild a stored record; fields this version does not know are dropped."""
        known = {f.name for f in dataclasses.fields(cls)}
        data = {k: v for k, v in data.items() if k in known}
        state_fields = {f.name for f in dataclasses.fields(State)}
        state = {k: v for k, v in data.pop("state").items() if k in state_fields}
        state["status"] = Status(state["status"])
        shim = data.pop("shim", None)
        return cls(
            state=State(**state),
            shim=ShimRecord(**shim) if shim else None,
            **data,
        )
