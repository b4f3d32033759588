"""build_spec / exec_process: the config.json dockerd would give runc for the same request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dockyard import errors
from dockyard.runtime.capabilities import DEFAULT_CAPABILITIES
from dockyard.runtime.oci_spec import (
    DEFAULT_PATH_ENV,
    build_spec,
    default_masked_paths,
    exec_process,
    replace_or_append_env,
)

CID = "0123456789ab" + "c" * 52
PROFILE = {
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 1,
    "archMap": [
        {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]},
        {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
    ],
    "syscalls": [
        {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
    ],
}


@pytest.fixture
def rootfs(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text("root:x:0:0::/root:/bin/sh\nbob:x:1000:1000::/:\n")
    (tmp_path / "etc" / "group").write_text("root:x:0:\nbob:x:1000:\n")
    return tmp_path


@pytest.fixture
def spec(rootfs: Path):  # noqa: ANN201 - a factory
    def make(
        config: dict[str, Any] | None = None,
        host_config: dict[str, Any] | None = None,
        *,
        netns_path: str | None = None,
        seccomp_profile: dict | None = PROFILE,
    ) -> dict[str, Any]:
        return build_spec(
            container_id=CID,
            config={"Cmd": ["sh"], **(config or {})},
            host_config=host_config or {},
            rootfs=rootfs,
            cgroups_path=f"/dockyard/{CID}",
            etc_files={"/etc/hosts": Path("/data/hosts")},
            seccomp_profile=seccomp_profile,
            netns_path=netns_path,
        )

    return make


def ns_types(result: dict[str, Any]) -> list[str]:
    return [ns["type"] for ns in result["linux"]["namespaces"]]


# --- process ---------------------------------------------------------------------------------


def test_oci_version_is_1_0_2_dev(spec) -> None:
    assert spec()["ociVersion"] == "1.0.2-dev"


def test_args_are_entrypoint_then_cmd(spec) -> None:
    result = spec({"Entrypoint": ["/bin/tini", "--"], "Cmd": ["sleep", "1"]})
    assert result["process"]["args"] == ["/bin/tini", "--", "sleep", "1"]


def test_missing_command_is_rejected(spec) -> None:
    with pytest.raises(errors.InvalidParameter, match="No command specified"):
        spec({"Cmd": None})


def test_env_starts_with_path_and_hostname(spec) -> None:
    assert spec()["process"]["env"] == [DEFAULT_PATH_ENV, "HOSTNAME=0123456789ab"]


def test_config_env_overrides_path_and_appends_the_rest(spec) -> None:
    env = spec({"Env": ["PATH=/bin", "A=1"]})["process"]["env"]
    assert env == ["PATH=/bin", "HOSTNAME=0123456789ab", "A=1"]


def test_tty_adds_term_terminal_and_console_size(spec) -> None:
    process = spec({"Tty": True}, {"ConsoleSize": [30, 100]})["process"]
    assert "TERM=xterm" in process["env"]
    assert process["terminal"] is True
    assert process["consoleSize"] == {"height": 30, "width": 100}


def test_no_tty_has_no_terminal(spec) -> None:
    process = spec()["process"]
    assert "terminal" not in process and "consoleSize" not in process


def test_cwd_defaults_to_root(spec) -> None:
    assert spec()["process"]["cwd"] == "/"


def test_cwd_comes_from_working_dir(spec) -> None:
    assert spec({"WorkingDir": "/srv"})["process"]["cwd"] == "/srv"


def test_relative_working_dir_is_rejected(spec) -> None:
    with pytest.raises(errors.InvalidParameter, match="needs to be an absolute path"):
        spec({"WorkingDir": "srv"})


def test_user_is_resolved_in_the_rootfs(spec) -> None:
    assert spec({"User": "bob"})["process"]["user"] == {
        "uid": 1000,
        "gid": 1000,
        "additionalGids": [1000],
    }


def test_unknown_user_is_rejected_with_docker_wording(spec) -> None:
    with pytest.raises(errors.InvalidParameter) as info:
        spec({"User": "alice"})
    assert str(info.value) == "unable to find user alice: no matching entries in passwd file"


def test_capability_sets_are_dockers_defaults_without_inheritable(spec) -> None:
    capabilities = spec()["process"]["capabilities"]
    assert capabilities == {
        "bounding": list(DEFAULT_CAPABILITIES),
        "effective": list(DEFAULT_CAPABILITIES),
        "permitted": list(DEFAULT_CAPABILITIES),
    }


def test_cap_add_and_drop_change_every_set(spec) -> None:
    capabilities = spec(host_config={"CapAdd": ["NET_ADMIN"], "CapDrop": ["CAP_KILL"]})["process"][
        "capabilities"
    ]
    assert "CAP_NET_ADMIN" in capabilities["effective"]
    assert "CAP_KILL" not in capabilities["bounding"]


def test_unknown_capability_is_rejected_with_docker_wording(spec) -> None:
    with pytest.raises(errors.InvalidParameter) as info:
        spec(host_config={"CapAdd": ["FOO"]})
    assert str(info.value) == 'unknown capability: "CAP_FOO"'


def test_privileged_gets_more_than_the_defaults(spec) -> None:
    bounding = spec(host_config={"Privileged": True})["process"]["capabilities"]["bounding"]
    assert "CAP_SYS_ADMIN" in bounding


def test_no_new_privileges_only_from_security_opt(spec) -> None:
    assert "noNewPrivileges" not in spec()["process"]
    nnp = spec(host_config={"SecurityOpt": ["no-new-privileges"]})["process"]["noNewPrivileges"]
    assert nnp is True


def test_oom_score_adj_comes_from_host_config(spec) -> None:
    assert spec()["process"]["oomScoreAdj"] == 0
    assert spec(host_config={"OomScoreAdj": 500})["process"]["oomScoreAdj"] == 500


def test_oom_score_adj_out_of_range_is_rejected(spec) -> None:
    with pytest.raises(errors.InvalidParameter, match="range for oom score adj"):
        spec(host_config={"OomScoreAdj": 2000})


def test_no_rlimits_by_default(spec) -> None:
    assert "rlimits" not in spec()["process"]


def test_ulimits_become_rlimits(spec) -> None:
    ulimits = [{"Name": "nofile", "Soft": 1024, "Hard": 2048}]
    assert spec(host_config={"Ulimits": ulimits})["process"]["rlimits"] == [
        {"type": "RLIMIT_NOFILE", "hard": 2048, "soft": 1024}
    ]


def test_unknown_ulimit_is_rejected(spec) -> None:
    with pytest.raises(errors.InvalidParameter, match="invalid ulimit type: bogus"):
        spec(host_config={"Ulimits": [{"Name": "bogus", "Soft": 1, "Hard": 1}]})


def test_init_wraps_args_with_docker_init(spec) -> None:
    result = spec(host_config={"Init": True})
    assert result["process"]["args"][:3] == ["/sbin/docker-init", "--", "sh"]
    init = next(m for m in result["mounts"] if m["destination"] == "/sbin/docker-init")
    assert init["options"] == ["bind", "ro"]


# --- root, hostname, mounts --------------------------------------------------------------------


def test_root_is_the_rootfs_and_follows_readonly_rootfs(spec, rootfs: Path) -> None:
    assert spec()["root"] == {"path": str(rootfs), "readonly": False}
    assert spec(host_config={"ReadonlyRootfs": True})["root"]["readonly"] is True


def test_hostname_defaults_to_the_short_id(spec) -> None:
    assert spec()["hostname"] == "0123456789ab"


def test_hostname_comes_from_config(spec) -> None:
    result = spec({"Hostname": "web"})
    assert result["hostname"] == "web" and "HOSTNAME=web" in result["process"]["env"]


def test_uts_host_has_no_hostname_and_no_uts_namespace(spec) -> None:
    result = spec(host_config={"UTSMode": "host"})
    assert "hostname" not in result and "uts" not in ns_types(result)


def test_etc_files_are_bind_mounted_after_the_defaults(spec) -> None:
    mounts = spec()["mounts"]
    assert mounts[7]["destination"] == "/etc/hosts" and mounts[7]["source"] == "/data/hosts"


def test_binds_are_mounted(spec) -> None:
    mounts = spec(host_config={"Binds": ["/srv:/data:ro"]})["mounts"]
    data = next(m for m in mounts if m["destination"] == "/data")
    assert (data["source"], data["options"]) == ("/srv", ["rbind", "ro", "rprivate"])


# --- linux -------------------------------------------------------------------------------------


def test_default_namespaces_are_dockers(spec) -> None:
    assert ns_types(spec()) == ["mount", "network", "uts", "pid", "ipc"]


def test_network_namespace_joins_the_given_path(spec) -> None:
    namespaces = spec(netns_path="/run/netns/dy1")["linux"]["namespaces"]
    assert {"type": "network", "path": "/run/netns/dy1"} in namespaces


def test_host_network_has_no_network_namespace(spec) -> None:
    assert "network" not in ns_types(spec(host_config={"NetworkMode": "host"}))


def test_host_network_keeps_a_private_uts_namespace_like_docker(spec) -> None:
    assert "uts" in ns_types(spec(host_config={"NetworkMode": "host"}))


def test_container_network_without_a_namespace_path_conflicts(spec) -> None:
    with pytest.raises(errors.Conflict, match="cannot join network of a non running container"):
        spec(host_config={"NetworkMode": "container:abc"})


def test_pid_and_ipc_host_drop_their_namespaces(spec) -> None:
    types = ns_types(spec(host_config={"PidMode": "host", "IpcMode": "host"}))
    assert "pid" not in types and "ipc" not in types


def test_private_cgroupns_adds_a_cgroup_namespace(spec) -> None:
    assert ns_types(spec(host_config={"CgroupnsMode": "private"}))[-1] == "cgroup"


def test_invalid_ipc_mode_is_rejected_with_docker_wording(spec) -> None:
    with pytest.raises(errors.InvalidParameter, match="invalid IPC mode: bogus"):
        spec(host_config={"IpcMode": "bogus"})


def test_cgroups_path_is_passed_through(spec) -> None:
    assert spec()["linux"]["cgroupsPath"] == f"/dockyard/{CID}"


def test_default_sysctls_for_a_private_network(spec) -> None:
    assert spec()["linux"]["sysctl"] == {
        "net.ipv4.ping_group_range": "0 2147483647",
        "net.ipv4.ip_unprivileged_port_start": "0",
    }


def test_host_network_gets_no_default_sysctls(spec) -> None:
    assert spec(host_config={"NetworkMode": "host"})["linux"]["sysctl"] == {}


def test_user_sysctls_override_the_defaults(spec) -> None:
    sysctl = spec(host_config={"Sysctls": {"net.ipv4.ip_unprivileged_port_start": "80"}})
    assert sysctl["linux"]["sysctl"]["net.ipv4.ip_unprivileged_port_start"] == "80"


def test_domainname_is_set_through_a_sysctl(spec) -> None:
    assert spec({"Domainname": "example.org"})["linux"]["sysctl"]["kernel.domainname"] == (
        "example.org"
    )


def test_masked_and_readonly_paths_are_dockers(spec) -> None:
    linux = spec()["linux"]
    assert "/proc/kcore" in linux["maskedPaths"] and "/sys/firmware" in linux["maskedPaths"]
    assert linux["readonlyPaths"] == [
        "/proc/bus",
        "/proc/fs",
        "/proc/irq",
        "/proc/sys",
        "/proc/sysrq-trigger",
    ]


def test_masked_paths_include_existing_cpu_thermal_throttle(tmp_path: Path) -> None:
    (tmp_path / "cpu1" / "thermal_throttle").mkdir(parents=True)
    (tmp_path / "cpu0").mkdir()
    assert default_masked_paths(tmp_path)[-1] == str(tmp_path / "cpu1" / "thermal_throttle")


def test_host_config_masked_paths_replace_the_defaults(spec) -> None:
    linux = spec(host_config={"MaskedPaths": ["/proc/x"], "ReadonlyPaths": []})["linux"]
    assert (linux["maskedPaths"], linux["readonlyPaths"]) == (["/proc/x"], [])


def test_privileged_drops_masked_and_readonly_paths(spec) -> None:
    linux = spec(host_config={"Privileged": True})["linux"]
    assert "maskedPaths" not in linux and "readonlyPaths" not in linux


def test_resources_carry_limits_and_the_device_cgroup(spec) -> None:
    resources = spec(host_config={"Memory": 1 << 26, "PidsLimit": 10})["linux"]["resources"]
    assert resources["memory"]["limit"] == 1 << 26 and resources["pids"] == {"limit": 10}
    assert resources["devices"][0] == {"allow": False, "access": "rwm"}


def test_seccomp_is_compiled_for_this_arch_and_the_containers_caps(spec) -> None:
    seccomp = spec()["linux"]["seccomp"]
    assert seccomp["defaultAction"] == "SCMP_ACT_ERRNO"
    assert [r["names"] for r in seccomp["syscalls"]] == [["read", "write"]]


def test_seccomp_follows_cap_add(spec) -> None:
    seccomp = spec(host_config={"CapAdd": ["SYS_ADMIN"]})["linux"]["seccomp"]
    assert ["mount"] in [r["names"] for r in seccomp["syscalls"]]


def test_unconfined_security_opt_has_no_seccomp(spec) -> None:
    assert "seccomp" not in spec(host_config={"SecurityOpt": ["seccomp=unconfined"]})["linux"]


def test_privileged_has_no_seccomp(spec) -> None:
    assert "seccomp" not in spec(host_config={"Privileged": True})["linux"]


def test_daemon_without_a_profile_has_no_seccomp(spec) -> None:
    assert "seccomp" not in spec(seccomp_profile=None)["linux"]


def test_inline_profile_replaces_the_daemons(spec) -> None:
    inline = '{"defaultAction": "SCMP_ACT_LOG"}'
    seccomp = spec(host_config={"SecurityOpt": [f"seccomp={inline}"]})["linux"]["seccomp"]
    assert seccomp == {"defaultAction": "SCMP_ACT_LOG"}


def test_builtin_profile_is_used_even_when_the_daemon_has_none(spec) -> None:
    result = spec(host_config={"SecurityOpt": ["seccomp=builtin"]}, seccomp_profile=None)
    assert result["linux"]["seccomp"]["defaultAction"] == "SCMP_ACT_ERRNO"


def test_annotations_are_copied(spec) -> None:
    assert spec(host_config={"Annotations": {"a": "b"}})["annotations"] == {"a": "b"}


# --- exec --------------------------------------------------------------------------------------


def test_exec_inherits_container_env_and_adds_its_own(rootfs: Path) -> None:
    process = exec_process(
        config={"Hostname": "web", "Env": ["A=1", "B=2"]},
        exec_config={"Cmd": ["env"], "Env": ["B=3"]},
        rootfs=rootfs,
    )
    assert process["env"] == [DEFAULT_PATH_ENV, "HOSTNAME=web", "A=1", "B=3"]


def test_exec_hostname_falls_back_to_the_short_id(rootfs: Path) -> None:
    process = exec_process(config={}, exec_config={"Cmd": ["env"]}, rootfs=rootfs, container_id=CID)
    assert "HOSTNAME=0123456789ab" in process["env"]


def test_exec_user_defaults_to_the_containers(rootfs: Path) -> None:
    process = exec_process(config={"User": "bob"}, exec_config={"Cmd": ["id"]}, rootfs=rootfs)
    assert process["user"]["uid"] == 1000


def test_exec_user_overrides_the_containers(rootfs: Path) -> None:
    process = exec_process(
        config={"User": "bob"}, exec_config={"Cmd": ["id"], "User": "0"}, rootfs=rootfs
    )
    assert process["user"]["uid"] == 0


def test_exec_cwd_defaults_to_the_containers_working_dir(rootfs: Path) -> None:
    process = exec_process(
        config={"WorkingDir": "/srv"}, exec_config={"Cmd": ["pwd"]}, rootfs=rootfs
    )
    assert process["cwd"] == "/srv"


def test_exec_tty_sets_terminal_and_term(rootfs: Path) -> None:
    process = exec_process(config={}, exec_config={"Cmd": ["sh"], "Tty": True}, rootfs=rootfs)
    assert process["terminal"] is True and "TERM=xterm" in process["env"]


def test_exec_inherits_the_containers_capabilities(rootfs: Path) -> None:
    process = exec_process(
        config={},
        exec_config={"Cmd": ["sh"]},
        rootfs=rootfs,
        host_config={"CapDrop": ["ALL"], "CapAdd": ["CHOWN"]},
    )
    assert process["capabilities"]["bounding"] == ["CAP_CHOWN"]


def test_privileged_exec_gets_more_than_the_defaults(rootfs: Path) -> None:
    process = exec_process(
        config={}, exec_config={"Cmd": ["sh"], "Privileged": True}, rootfs=rootfs
    )
    assert "CAP_SYS_ADMIN" in process["capabilities"]["bounding"]


def test_exec_without_a_command_is_rejected(rootfs: Path) -> None:
    with pytest.raises(errors.InvalidParameter, match="No exec command specified"):
        exec_process(config={}, exec_config={"Cmd": []}, rootfs=rootfs)


def test_bare_env_name_unsets_a_default() -> None:
    assert replace_or_append_env(["PATH=/bin", "HOSTNAME=x"], ["HOSTNAME", "A=1"]) == [
        "PATH=/bin",
        "A=1",
    ]
