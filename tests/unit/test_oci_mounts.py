"""Container mounts: Docker's seven defaults, /etc files, binds, tmpfs, read-only, privileged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dockyard import errors
from dockyard.runtime.oci_mounts import (
    build_mounts,
    create_missing_bind_sources,
    merge_tmpfs_options,
    parse_bind,
)

ETC = {
    "/etc/hosts": Path("/data/c/hosts"),
    "/etc/resolv.conf": Path("/data/c/resolv.conf"),
    "/etc/hostname": Path("/data/c/hostname"),
}


def mounts(host_config: dict[str, Any] | None = None, **kw: Any) -> list[dict[str, Any]]:
    kw.setdefault("etc_files", ETC)
    kw.setdefault("privileged", False)
    return build_mounts(host_config=host_config or {}, **kw)


def by_dest(result: list[dict[str, Any]], destination: str) -> dict[str, Any]:
    return next(m for m in result if m["destination"] == destination)


def test_defaults_come_first_in_dockers_order() -> None:
    dests = [m["destination"] for m in mounts()][:7]
    assert dests == [
        "/proc",
        "/dev",
        "/dev/pts",
        "/sys",
        "/sys/fs/cgroup",
        "/dev/mqueue",
        "/dev/shm",
    ]


def test_default_options_are_dockers() -> None:
    result = mounts()
    assert by_dest(result, "/proc")["options"] == ["nosuid", "noexec", "nodev"]
    assert by_dest(result, "/dev")["options"] == [
        "nosuid",
        "strictatime",
        "mode=755",
        "size=65536k",
    ]
    assert by_dest(result, "/sys/fs/cgroup")["options"] == ["ro", "nosuid", "noexec", "nodev"]


def test_dev_pts_has_dockers_options() -> None:
    assert by_dest(mounts(), "/dev/pts")["options"] == [
        "nosuid",
        "noexec",
        "newinstance",
        "ptmxmode=0666",
        "mode=0620",
        "gid=5",
    ]


def test_shm_defaults_to_64_mib() -> None:
    shm = by_dest(mounts(), "/dev/shm")
    assert shm["source"] == "shm"
    assert shm["options"] == ["nosuid", "noexec", "nodev", "mode=1777", "size=67108864"]


def test_shm_size_comes_from_shm_size() -> None:
    assert by_dest(mounts({"ShmSize": 1 << 20}), "/dev/shm")["options"][-1] == "size=1048576"


def test_ipc_none_has_no_shm() -> None:
    assert all(m["destination"] != "/dev/shm" for m in mounts({"IpcMode": "none"}))


def test_etc_files_follow_the_defaults_in_dockers_order() -> None:
    dests = [m["destination"] for m in mounts()][7:]
    assert dests == ["/etc/resolv.conf", "/etc/hostname", "/etc/hosts"]


def test_etc_files_are_rbind_rprivate_from_the_host_file() -> None:
    hosts = by_dest(mounts(), "/etc/hosts")
    assert hosts == {
        "destination": "/etc/hosts",
        "type": "bind",
        "source": "/data/c/hosts",
        "options": ["rbind", "rprivate"],
    }


def test_bind_is_rbind_rprivate() -> None:
    data = by_dest(mounts({"Binds": ["/srv/data:/data"]}), "/data")
    assert (data["source"], data["type"], data["options"]) == (
        "/srv/data",
        "bind",
        ["rbind", "rprivate"],
    )


def test_read_only_bind_gets_ro() -> None:
    assert by_dest(mounts({"Binds": ["/srv:/data:ro"]}), "/data")["options"] == [
        "rbind",
        "ro",
        "rprivate",
    ]


def test_bind_propagation_mode_is_kept() -> None:
    options = by_dest(mounts({"Binds": ["/srv:/data:rw,rslave"]}), "/data")["options"]
    assert options == ["rbind", "rslave"]


def test_user_mounts_are_sorted_parents_first() -> None:
    result = mounts({"Binds": ["/a:/x/y/z", "/b:/x"]})
    dests = [m["destination"] for m in result][7:]
    assert dests.index("/x") < dests.index("/etc/hosts") < dests.index("/x/y/z")


def test_bind_over_etc_hosts_replaces_the_engines_file() -> None:
    result = mounts({"Binds": ["/mine/hosts:/etc/hosts"]})
    assert [m["source"] for m in result if m["destination"] == "/etc/hosts"] == ["/mine/hosts"]


def test_bind_over_a_default_replaces_it() -> None:
    result = mounts({"Binds": ["/host/mq:/dev/mqueue"]})
    assert [m["type"] for m in result if m["destination"] == "/dev/mqueue"] == ["bind"]


def test_user_dev_replaces_every_default_under_dev() -> None:
    dests = [m["destination"] for m in mounts({"Binds": ["/dev:/dev"]})]
    assert not [d for d in dests if d.startswith("/dev/")]


def test_tmpfs_gets_dockers_default_flags_and_user_data() -> None:
    run = by_dest(mounts({"Tmpfs": {"/run": "size=1m"}}), "/run")
    assert (run["type"], run["source"]) == ("tmpfs", "tmpfs")
    assert run["options"] == ["noexec", "nosuid", "nodev", "rprivate", "size=1m"]


def test_tmpfs_user_flags_override_defaults() -> None:
    assert merge_tmpfs_options(["noexec", "nosuid", "exec", "size=1m", "size=2m"]) == [
        "nosuid",
        "exec",
        "size=2m",
    ]


def test_unknown_tmpfs_option_is_rejected() -> None:
    with pytest.raises(errors.InvalidParameter, match="invalid tmpfs option"):
        mounts({"Tmpfs": {"/run": "bogus=1"}})


def test_api_tmpfs_mount_converts_size_and_mode() -> None:
    api = {"Type": "tmpfs", "Target": "/t", "TmpfsOptions": {"SizeBytes": 2 << 20, "Mode": 0o700}}
    options = by_dest(mounts({"Mounts": [api]}), "/t")["options"]
    assert options[-2:] == ["mode=700", "size=2m"]


def test_api_bind_mount_must_exist(tmp_path: Path) -> None:
    api = {"Type": "bind", "Source": str(tmp_path / "nope"), "Target": "/x"}
    with pytest.raises(errors.InvalidParameter, match="bind source path does not exist"):
        mounts({"Mounts": [api]})


def test_api_bind_mount_honours_read_only_and_non_recursive(tmp_path: Path) -> None:
    api = {
        "Type": "bind",
        "Source": str(tmp_path),
        "Target": "/x",
        "ReadOnly": True,
        "BindOptions": {"NonRecursive": True},
    }
    assert by_dest(mounts({"Mounts": [api]}), "/x")["options"] == ["bind", "ro", "rprivate"]


def test_api_volume_mount_is_not_implemented() -> None:
    with pytest.raises(errors.NotImplementedByEngine):
        mounts({"Mounts": [{"Type": "volume", "Source": "vol", "Target": "/v"}]})


def test_read_only_rootfs_makes_non_pseudo_defaults_and_etc_files_read_only() -> None:
    result = mounts({"ReadonlyRootfs": True})
    assert "ro" in by_dest(result, "/etc/hosts")["options"]
    assert "ro" not in by_dest(result, "/dev/shm")["options"]
    assert "ro" not in by_dest(result, "/proc")["options"]


def test_read_only_rootfs_leaves_user_binds_writable() -> None:
    result = mounts({"ReadonlyRootfs": True, "Binds": ["/srv:/data"]})
    assert "ro" not in by_dest(result, "/data")["options"]


def test_privileged_makes_sys_and_cgroup_writable() -> None:
    result = mounts(privileged=True)
    assert "ro" not in by_dest(result, "/sys")["options"]
    assert "ro" not in by_dest(result, "/sys/fs/cgroup")["options"]


def test_writable_cgroups_only_affects_the_cgroup_mount() -> None:
    result = mounts(writable_cgroups=True)
    assert "ro" not in by_dest(result, "/sys/fs/cgroup")["options"]
    assert "ro" in by_dest(result, "/sys")["options"]


def test_ipc_host_binds_the_hosts_shm() -> None:
    shm = by_dest(mounts({"IpcMode": "host"}), "/dev/shm")
    assert (shm["type"], shm["source"]) == ("bind", "/dev/shm")


def test_init_mount_sits_between_defaults_and_user_mounts() -> None:
    init = {"destination": "/sbin/docker-init", "type": "bind", "source": "/i", "options": []}
    dests = [m["destination"] for m in mounts(init_mount=init)]
    assert dests.index("/dev/shm") + 1 == dests.index("/sbin/docker-init")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("/a", "invalid volume specification: '/a'"),
        ("/a:/b:/c:/d", "invalid volume specification"),
        ("/a:rel", "mount path must be absolute"),
        ("/a:/", "destination can't be '/'"),
        ("/a:/b:rx", "invalid mode: rx"),
    ],
)
def test_malformed_binds_are_rejected(spec: str, message: str) -> None:
    with pytest.raises(errors.InvalidParameter, match=message):
        parse_bind(spec)


def test_named_volume_binds_are_not_implemented() -> None:
    with pytest.raises(errors.NotImplementedByEngine):
        parse_bind("myvol:/data")


def test_missing_bind_sources_are_created_as_directories(tmp_path: Path) -> None:
    source = tmp_path / "dy-src" / "deep"
    created = create_missing_bind_sources({"Binds": [f"{source}:/data"]})
    assert created == [source] and source.is_dir()
