"""linux.resources from HostConfig, field by field as dockerd fills it."""

from __future__ import annotations

from typing import Any

import pytest

from dockyard import errors
from dockyard.runtime.oci_resources import build_resources


def resources(host_config: dict[str, Any], *, swap: bool = True) -> dict[str, Any]:
    return build_resources(host_config, devices=[], swap_supported=swap)


def test_no_limits_gives_dockers_zero_values() -> None:
    res = resources({})
    assert res["memory"] == {"disableOOMKiller": False}
    assert res["cpu"] == {"shares": 0}
    assert res["blockIO"] == {"weight": 0}
    assert "pids" not in res


def test_memory_limit_defaults_swap_to_twice_the_limit() -> None:
    assert resources({"Memory": 100})["memory"]["swap"] == 200


def test_memory_swap_is_taken_as_given() -> None:
    memory = resources({"Memory": 100, "MemorySwap": 150})["memory"]
    assert (memory["limit"], memory["swap"]) == (100, 150)


def test_unlimited_swap_is_left_out() -> None:
    assert "swap" not in resources({"Memory": 100, "MemorySwap": -1})["memory"]


def test_swap_is_left_out_without_swap_accounting() -> None:
    assert "swap" not in resources({"Memory": 100}, swap=False)["memory"]


def test_memory_reservation_and_swappiness_are_passed() -> None:
    memory = resources({"MemoryReservation": 50, "MemorySwappiness": 10})["memory"]
    assert (memory["reservation"], memory["swappiness"]) == (50, 10)


def test_unset_swappiness_minus_one_is_left_out() -> None:
    assert "swappiness" not in resources({"MemorySwappiness": -1})["memory"]


def test_oom_kill_disable_is_passed() -> None:
    assert resources({"OomKillDisable": True})["memory"]["disableOOMKiller"] is True


def test_nano_cpus_become_quota_over_a_100ms_period() -> None:
    cpu = resources({"NanoCpus": 1_500_000_000})["cpu"]
    assert (cpu["quota"], cpu["period"]) == (150_000, 100_000)


def test_explicit_cpu_period_and_quota_win() -> None:
    cpu = resources({"CpuPeriod": 50_000, "CpuQuota": 25_000})["cpu"]
    assert (cpu["quota"], cpu["period"]) == (25_000, 50_000)


def test_cpu_shares_and_cpuset_are_passed() -> None:
    cpu = resources({"CpuShares": 512, "CpusetCpus": "0-1", "CpusetMems": "0"})["cpu"]
    assert (cpu["shares"], cpu["cpus"], cpu["mems"]) == (512, "0-1", "0")


def test_negative_cpu_shares_are_rejected() -> None:
    with pytest.raises(errors.InvalidParameter, match="shares: invalid argument"):
        resources({"CpuShares": -1})


def test_positive_pids_limit_is_passed() -> None:
    assert resources({"PidsLimit": 50})["pids"] == {"limit": 50}


def test_zero_pids_limit_means_unlimited() -> None:
    assert resources({"PidsLimit": 0})["pids"] == {"limit": -1}


def test_blkio_weight_is_passed() -> None:
    assert resources({"BlkioWeight": 300})["blockIO"]["weight"] == 300


def test_blkio_throttle_uses_the_devices_numbers() -> None:
    block = resources({"BlkioDeviceReadBps": [{"Path": "/dev/null", "Rate": 1024}]})["blockIO"]
    assert block["throttleReadBpsDevice"] == [{"major": 1, "minor": 3, "rate": 1024}]


def test_blkio_device_that_does_not_exist_is_rejected() -> None:
    with pytest.raises(errors.InvalidParameter, match="/dev/dy-nope"):
        resources({"BlkioWeightDevice": [{"Path": "/dev/dy-nope", "Weight": 10}]})


def test_device_rules_are_placed_in_resources() -> None:
    rule = {"allow": False, "access": "rwm"}
    assert build_resources({}, devices=[rule], swap_supported=True)["devices"] == [rule]
