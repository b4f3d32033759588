"""The device cgroup and device nodes: Docker's allow list, --device, rules, privileged."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from dockyard import errors
from dockyard.runtime.oci_devices import build_devices, parse_device_cgroup_rules


def test_default_rules_deny_all_then_allow_dockers_list_and_deny_fuse() -> None:
    _, rules = build_devices(host_config={}, privileged=False)
    summary = [(r["allow"], r.get("type"), r.get("major"), r.get("minor")) for r in rules]
    assert summary == [
        (False, None, None, None),
        (True, "c", 1, 5),
        (True, "c", 1, 3),
        (True, "c", 1, 9),
        (True, "c", 1, 8),
        (True, "c", 5, 0),
        (True, "c", 5, 1),
        (False, "c", 10, 229),
    ]


def test_every_default_rule_covers_rwm() -> None:
    _, rules = build_devices(host_config={}, privileged=False)
    assert {r["access"] for r in rules} == {"rwm"}


def test_no_device_nodes_by_default() -> None:
    nodes, _ = build_devices(host_config={}, privileged=False)
    assert nodes == []


def test_device_mapping_adds_the_node_and_an_allow_rule() -> None:
    mapping = {
        "PathOnHost": "/dev/null",
        "PathInContainer": "/dev/mynull",
        "CgroupPermissions": "rw",
    }
    nodes, rules = build_devices(host_config={"Devices": [mapping]}, privileged=False)
    assert (nodes[0]["path"], nodes[0]["type"], nodes[0]["major"], nodes[0]["minor"]) == (
        "/dev/mynull",
        "c",
        1,
        3,
    )
    assert rules[-1] == {"allow": True, "type": "c", "major": 1, "minor": 3, "access": "rw"}


def test_device_node_keeps_the_hosts_mode_and_owner() -> None:
    nodes, _ = build_devices(
        host_config={"Devices": [{"PathOnHost": "/dev/null"}]}, privileged=False
    )
    st = os.stat("/dev/null")
    assert (nodes[0]["fileMode"], nodes[0]["uid"], nodes[0]["gid"]) == (
        stat.S_IMODE(st.st_mode),
        st.st_uid,
        st.st_gid,
    )


def test_device_directory_maps_every_node_inside(tmp_path: Path) -> None:
    try:
        os.mknod(tmp_path / "zero", stat.S_IFCHR | 0o600, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("needs root to create device nodes")
    mapping = {"PathOnHost": str(tmp_path), "PathInContainer": "/dev/mine"}
    nodes, _ = build_devices(host_config={"Devices": [mapping]}, privileged=False)
    assert [n["path"] for n in nodes] == ["/dev/mine/zero"]


def test_missing_device_is_rejected_with_docker_wording() -> None:
    with pytest.raises(errors.InvalidParameter) as info:
        build_devices(host_config={"Devices": [{"PathOnHost": "/dev/dy-nope"}]}, privileged=False)
    assert str(info.value) == (
        'error gathering device information while adding custom device "/dev/dy-nope": '
        "No such file or directory"
    )


def test_regular_file_is_not_a_device(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_text("")
    with pytest.raises(errors.InvalidParameter, match="not a device node"):
        build_devices(host_config={"Devices": [{"PathOnHost": str(path)}]}, privileged=False)


def test_device_cgroup_rules_are_parsed_with_wildcards() -> None:
    assert parse_device_cgroup_rules(["c 1:3 rwm", "b *:* m"]) == [
        {"allow": True, "type": "c", "major": 1, "minor": 3, "access": "rwm"},
        {"allow": True, "type": "b", "major": -1, "minor": -1, "access": "m"},
    ]


def test_device_cgroup_rules_follow_the_defaults() -> None:
    _, rules = build_devices(host_config={"DeviceCgroupRules": ["c 42:* rw"]}, privileged=False)
    assert rules[-1]["major"] == 42 and len(rules) == 9


def test_malformed_device_cgroup_rule_is_rejected_with_docker_wording() -> None:
    with pytest.raises(errors.InvalidParameter) as info:
        parse_device_cgroup_rules(["x 1:3 rwm"])
    assert str(info.value) == "invalid device cgroup rule format: 'x 1:3 rwm'"


def test_privileged_allows_every_device() -> None:
    _, rules = build_devices(host_config={}, privileged=True)
    assert rules == [{"allow": True, "access": "rwm"}]


def test_privileged_gets_the_hosts_device_nodes() -> None:
    nodes, _ = build_devices(host_config={}, privileged=True)
    paths = {n["path"] for n in nodes}
    assert "/dev/null" in paths and "/dev/console" not in paths
