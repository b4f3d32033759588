"""Exec instances of the fake engine: Docker's ``ExecInspect`` shape, run by the pretend shell."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
from typing import Any

from dockyard.engine.container import Container
from dockyard.errors import Conflict, no_such_exec

from .program import FakeSession, run_program

_ids = itertools.count(1)


class FakeExecs:
    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}

    def create(self, container: Container, body: dict[str, Any]) -> str:
        if not container.state.running:
            raise Conflict(f"Container {container.id} is not running")
        exec_id = hashlib.sha256(f"exec-{next(_ids)}".encode()).hexdigest()
        cmd = list(body["Cmd"])
        self.records[exec_id] = {
            "ID": exec_id,
            "Running": False,
            "ExitCode": None,
            "ContainerID": container.id,
            "OpenStdin": bool(body.get("AttachStdin")),
            "OpenStdout": True,
            "OpenStderr": True,
            "ProcessConfig": {
                "entrypoint": cmd[0],
                "arguments": cmd[1:],
                "tty": bool(body.get("Tty")),
                "privileged": False,
                "user": "",
            },
            "CanRemove": False,
            "DetachKeys": "",
            "Pid": 0,
        }
        container.exec_ids.append(exec_id)
        return exec_id

    def inspect(self, exec_id: str) -> dict[str, Any]:
        if exec_id not in self.records:
            raise no_such_exec(exec_id)
        return self.records[exec_id]

    def start(self, exec_id: str, *, detach: bool) -> FakeSession | None:
        record = self.inspect(exec_id)
        if record["Running"] or record["ExitCode"] is not None:
            raise Conflict(f"Error: Exec command {exec_id} has already run")
        config = record["ProcessConfig"]
        stdin: asyncio.Queue[bytes | None] = asyncio.Queue()
        session = FakeSession(tty=config["tty"], stdin=stdin if record["OpenStdin"] else None)
        if not record["OpenStdin"]:
            stdin.put_nowait(None)

        def emit(stream: int, data: bytes) -> None:
            if config["tty"]:
                stream, data = 1, data.replace(b"\n", b"\r\n")
            session.deliver((stream, data))

        async def run() -> None:
            argv = [config["entrypoint"], *config["arguments"]]
            record["ExitCode"] = await run_program(argv, emit, stdin)
            record["Running"] = False
            session.deliver(None)

        record["Running"] = True
        asyncio.get_running_loop().create_task(run())
        return None if detach else session
