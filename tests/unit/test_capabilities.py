"""Capability sets: Docker's 14 defaults, CapAdd/CapDrop (with ALL), privileged."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard import errors
from dockyard.runtime.capabilities import (
    DEFAULT_CAPABILITIES,
    KNOWN_CAPABILITIES,
    available_capabilities,
    tweak_capabilities,
)


def tweak(
    add: list[str] | None = None,
    drop: list[str] | None = None,
    *,
    privileged: bool = False,
    available: tuple[str, ...] = KNOWN_CAPABILITIES,
) -> list[str]:
    return tweak_capabilities(
        cap_add=add, cap_drop=drop, privileged=privileged, available=available
    )


def test_defaults_are_dockers_fourteen_in_order() -> None:
    assert tweak() == [
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_FSETID",
        "CAP_FOWNER",
        "CAP_MKNOD",
        "CAP_NET_RAW",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETFCAP",
        "CAP_SETPCAP",
        "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT",
        "CAP_KILL",
        "CAP_AUDIT_WRITE",
    ]


def test_added_capability_is_appended_after_the_defaults() -> None:
    assert tweak(add=["SYS_ADMIN"]) == [*DEFAULT_CAPABILITIES, "CAP_SYS_ADMIN"]


def test_names_are_accepted_with_or_without_prefix_in_any_case() -> None:
    assert tweak(add=["cap_sys_time", "net_admin"])[-2:] == ["CAP_SYS_TIME", "CAP_NET_ADMIN"]


def test_dropped_capability_is_removed() -> None:
    assert "CAP_NET_RAW" not in tweak(drop=["NET_RAW"])


def test_adding_a_default_does_not_duplicate_it() -> None:
    assert tweak(add=["CHOWN"]).count("CAP_CHOWN") == 1


def test_add_all_gives_every_available_capability_except_drops() -> None:
    caps = tweak(add=["ALL"], drop=["SYS_ADMIN"])
    assert "CAP_SYS_ADMIN" not in caps and len(caps) == len(KNOWN_CAPABILITIES) - 1


def test_drop_all_keeps_only_the_added_ones() -> None:
    assert tweak(add=["NET_BIND_SERVICE"], drop=["all"]) == ["CAP_NET_BIND_SERVICE"]


def test_unknown_capability_is_rejected_with_docker_wording() -> None:
    with pytest.raises(errors.InvalidParameter) as info:
        tweak(add=["FOO"])
    assert str(info.value) == 'unknown capability: "CAP_FOO"'


def test_capability_the_daemon_lacks_is_rejected() -> None:
    with pytest.raises(errors.InvalidParameter, match="not supported by your kernel"):
        tweak(add=["SYS_MODULE"], available=DEFAULT_CAPABILITIES)


def test_privileged_gets_every_available_capability() -> None:
    assert tweak(privileged=True, available=("CAP_CHOWN", "CAP_BPF")) == ["CAP_CHOWN", "CAP_BPF"]


def test_available_capabilities_come_from_cap_eff(tmp_path: Path) -> None:
    status = tmp_path / "status"
    status.write_text("Name:\tx\nCapEff:\t0000000000200001\n")
    assert available_capabilities(status) == ("CAP_CHOWN", "CAP_SYS_ADMIN")


def test_unreadable_status_falls_back_to_every_known_capability(tmp_path: Path) -> None:
    assert available_capabilities(tmp_path / "missing") == KNOWN_CAPABILITIES
