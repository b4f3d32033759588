"""``linux.resources`` from ``HostConfig``: memory, CPU, pids and block I/O limits.

Field by field this is moby's ``WithResources`` (``getMemoryResources``, ``getCPUResources``,
``getPidsLimit``, the blkio device helpers), so ``docker run -m/--cpus/--pids-limit/...``
end up as the same cgroup values under dockyard as under dockerd.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dockyard import errors

log = logging.getLogger(__name__)

CPU_PERIOD_US = 100_000  # 100 ms, the CFS period Docker uses for --cpus


def swap_limit_supported(cgroup_root: Path = Path("/sys/fs/cgroup")) -> bool:
    """Whether ``memory.swap`` can be applied (v1 needs swap accounting: ``memsw`` files)."""
    if (cgroup_root / "cgroup.controllers").exists():  # pure cgroup v2
        return True
    return (cgroup_root / "memory" / "memory.memsw.limit_in_bytes").exists()


def _memory(hc: Mapping[str, Any], *, swap_supported: bool) -> dict[str, Any]:
    memory: dict[str, Any] = {}
    limit = int(hc.get("Memory") or 0)
    swap = int(hc.get("MemorySwap") or 0)
    if limit > 0:
        memory["limit"] = limit
        if swap == 0:
            swap = 2 * limit  # dockerd's default at create: swap = twice the memory
    if int(hc.get("MemoryReservation") or 0) > 0:
        memory["reservation"] = int(hc["MemoryReservation"])
    if swap > 0:
        if swap_supported:
            memory["swap"] = swap
        else:
            log.warning("swap limit not supported by the kernel; memory limited without swap")
    swappiness = hc.get("MemorySwappiness")
    if swappiness is not None and 0 <= int(swappiness) <= 100:
        memory["swappiness"] = int(swappiness)
    memory["disableOOMKiller"] = bool(hc.get("OomKillDisable"))
    return memory


def _cpu(hc: Mapping[str, Any]) -> dict[str, Any]:
    shares = int(hc.get("CpuShares") or 0)
    if shares < 0:
        raise errors.InvalidParameter("shares: invalid argument")
    cpu: dict[str, Any] = {"shares": shares}
    nano = int(hc.get("NanoCpus") or 0)
    if nano > 0:
        cpu["quota"] = nano * CPU_PERIOD_US // 1_000_000_000
        cpu["period"] = CPU_PERIOD_US
    if hc.get("CpuPeriod"):
        cpu["period"] = int(hc["CpuPeriod"])
    if hc.get("CpuQuota"):
        cpu["quota"] = int(hc["CpuQuota"])
    if hc.get("CpuRealtimePeriod"):
        cpu["realtimePeriod"] = int(hc["CpuRealtimePeriod"])
    if hc.get("CpuRealtimeRuntime"):
        cpu["realtimeRuntime"] = int(hc["CpuRealtimeRuntime"])
    if hc.get("CpusetCpus"):
        cpu["cpus"] = hc["CpusetCpus"]
    if hc.get("CpusetMems"):
        cpu["mems"] = hc["CpusetMems"]
    return cpu


def _device_numbers(path: str) -> tuple[int, int]:
    try:
        rdev = os.stat(path).st_rdev
    except OSError as exc:
        raise errors.InvalidParameter(f"stat {path}: {exc.strerror}") from exc
    return os.major(rdev), os.minor(rdev)


def _block_io(hc: Mapping[str, Any]) -> dict[str, Any]:
    block: dict[str, Any] = {"weight": int(hc.get("BlkioWeight") or 0)}
    weights = []
    for entry in hc.get("BlkioWeightDevice") or ():
        major, minor = _device_numbers(entry["Path"])
        weights.append({"major": major, "minor": minor, "weight": int(entry["Weight"])})
    if weights:
        block["weightDevice"] = weights
    throttles = {
        "BlkioDeviceReadBps": "throttleReadBpsDevice",
        "BlkioDeviceWriteBps": "throttleWriteBpsDevice",
        "BlkioDeviceReadIOps": "throttleReadIOPSDevice",
        "BlkioDeviceWriteIOps": "throttleWriteIOPSDevice",
    }
    for api_key, oci_key in throttles.items():
        rates = []
        for entry in hc.get(api_key) or ():
            major, minor = _device_numbers(entry["Path"])
            rates.append({"major": major, "minor": minor, "rate": int(entry["Rate"])})
        if rates:
            block[oci_key] = rates
    return block


def build_resources(
    host_config: Mapping[str, Any], *, devices: list[dict[str, Any]], swap_supported: bool
) -> dict[str, Any]:
    """The ``linux.resources`` object; ``devices`` are the device-cgroup rules."""
    resources: dict[str, Any] = {
        "devices": devices,
        "memory": _memory(host_config, swap_supported=swap_supported),
        "cpu": _cpu(host_config),
    }
    pids = host_config.get("PidsLimit")
    if pids is not None:
        # The API lets 0 and negatives mean "unlimited"; runc spells that -1.
        resources["pids"] = {"limit": int(pids) if int(pids) > 0 else -1}
    resources["blockIO"] = _block_io(host_config)
    return resources
