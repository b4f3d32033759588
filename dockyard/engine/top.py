"""``docker top``: the host's ``ps`` output, narrowed to the container's processes."""

from __future__ import annotations

import asyncio
import shlex
from typing import Any

from dockyard.errors import DockyardError, InvalidParameter


async def run_top(pids: list[int], ps_args: str) -> dict[str, Any]:
    args = shlex.split(ps_args) if ps_args else ["-ef"]
    proc = await asyncio.create_subprocess_exec(
        "ps", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    if proc.returncode != 0:
        raise DockyardError(f"ps: {err.decode().strip()}")
    lines = out.decode().splitlines()
    if not lines:
        raise DockyardError("ps produced no output")
    titles = lines[0].split()
    try:
        pid_col = titles.index("PID")
    except ValueError:
        raise InvalidParameter("Couldn't find PID field in ps output") from None
    wanted = set(pids)
    processes: list[list[str]] = []
    for line in lines[1:]:
        fields = line.split(None, len(titles) - 1)
        if len(fields) <= pid_col:
            continue
        try:
            pid = int(fields[pid_col])
        except ValueError:
            continue
        if pid in wanted:
            processes.append(fields)
    return {"Titles": titles, "Processes": processes}
