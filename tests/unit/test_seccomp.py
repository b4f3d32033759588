"""Compiling Docker-format seccomp profiles into OCI linux.seccomp, as moby's setupSeccomp."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dockyard import errors
from dockyard.runtime.capabilities import DEFAULT_CAPABILITIES
from dockyard.runtime.seccomp import (
    DEFAULT_PROFILE_PATH,
    compile_seccomp,
    load_seccomp_profile,
    parse_seccomp_profile,
)

ARCH_MAP = [
    {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
    {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
]


def profile(*rules: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "archMap": ARCH_MAP,
        "syscalls": list(rules),
        **top,
    }


def allow(name: str, **conditions: Any) -> dict[str, Any]:
    return {"names": [name], "action": "SCMP_ACT_ALLOW", **conditions}


def names(compiled: dict[str, Any] | None) -> list[str]:
    assert compiled is not None
    return [n for rule in compiled.get("syscalls", []) for n in rule["names"]]


def compile_for(prof: dict[str, Any], caps: list[str] | None = None, **kw: Any) -> dict | None:
    return compile_seccomp(prof, capabilities=list(caps or DEFAULT_CAPABILITIES), **kw)


def test_x86_64_gets_its_native_and_sub_architectures() -> None:
    compiled = compile_for(profile(), arch="x86_64")
    assert compiled is not None
    assert compiled["architectures"] == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]


def test_aarch64_gets_its_own_architectures() -> None:
    compiled = compile_for(profile(), arch="aarch64")
    assert compiled is not None
    assert compiled["architectures"] == ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]


def test_default_action_and_errno_are_copied() -> None:
    compiled = compile_for(profile())
    assert compiled is not None
    assert (compiled["defaultAction"], compiled["defaultErrnoRet"]) == ("SCMP_ACT_ERRNO", 1)


def test_rule_included_for_another_arch_is_dropped() -> None:
    prof = profile(allow("arch_prctl", includes={"arches": ["amd64", "x32"]}))
    assert names(compile_for(prof, arch="aarch64")) == []


def test_rule_included_for_this_arch_is_kept() -> None:
    prof = profile(allow("arch_prctl", includes={"arches": ["amd64", "x32"]}))
    assert names(compile_for(prof, arch="x86_64")) == ["arch_prctl"]


def test_rule_excluded_for_this_arch_is_dropped() -> None:
    prof = profile(allow("ptrace", excludes={"arches": ["amd64"]}))
    assert names(compile_for(prof, arch="x86_64")) == []


def test_rule_needing_a_capability_the_container_lacks_is_dropped() -> None:
    prof = profile(allow("mount", includes={"caps": ["CAP_SYS_ADMIN"]}))
    assert names(compile_for(prof)) == []


def test_rule_needing_a_capability_the_container_has_is_kept() -> None:
    prof = profile(allow("mount", includes={"caps": ["CAP_SYS_ADMIN"]}))
    assert names(compile_for(prof, [*DEFAULT_CAPABILITIES, "CAP_SYS_ADMIN"])) == ["mount"]


def test_rule_needs_every_listed_capability() -> None:
    prof = profile(allow("kcmp", includes={"caps": ["CAP_SYS_ADMIN", "CAP_SYS_PTRACE"]}))
    assert names(compile_for(prof, [*DEFAULT_CAPABILITIES, "CAP_SYS_ADMIN"])) == []


def test_rule_excluded_by_a_capability_the_container_has_is_dropped() -> None:
    prof = profile(allow("chroot", excludes={"caps": ["CAP_SYS_CHROOT"]}))
    assert names(compile_for(prof)) == []


def test_rule_for_a_newer_kernel_is_dropped() -> None:
    prof = profile(allow("clone3", includes={"minKernel": "5.9"}))
    assert names(compile_for(prof, kernel_release="5.4.0-100-generic")) == []


def test_rule_for_an_older_kernel_is_kept() -> None:
    prof = profile(allow("clone3", includes={"minKernel": "5.9"}))
    assert names(compile_for(prof, kernel_release="6.18.44-fc")) == ["clone3"]


def test_rule_excluded_from_this_kernel_on_is_dropped() -> None:
    prof = profile(allow("old_call", excludes={"minKernel": "4.8"}))
    assert names(compile_for(prof, kernel_release="4.8.1")) == []


def test_malformed_min_kernel_is_rejected() -> None:
    prof = profile(allow("clone3", includes={"minKernel": "five"}))
    with pytest.raises(errors.InvalidParameter, match="invalid kernel version"):
        compile_for(prof)


def test_legacy_name_field_becomes_names() -> None:
    prof = profile({"name": "read", "action": "SCMP_ACT_ALLOW"})
    assert names(compile_for(prof)) == ["read"]


def test_name_and_names_together_are_rejected() -> None:
    prof = profile({"name": "read", "names": ["write"], "action": "SCMP_ACT_ALLOW"})
    with pytest.raises(errors.InvalidParameter, match="use either 'name' or 'names'"):
        compile_for(prof)


def test_architectures_and_arch_map_together_are_rejected() -> None:
    prof = profile(architectures=["SCMP_ARCH_X86_64"])
    with pytest.raises(errors.InvalidParameter, match="use either 'architectures' or 'archMap'"):
        compile_for(prof)


def test_profile_without_default_action_or_rules_means_no_seccomp() -> None:
    assert compile_seccomp({"archMap": ARCH_MAP}, capabilities=[]) is None


def test_compiled_rule_keeps_errno_ret_and_args_only() -> None:
    rule = {
        "names": ["socket"],
        "action": "SCMP_ACT_ERRNO",
        "errnoRet": 22,
        "errno": "EINVAL",
        "comment": "no vsock",
        "args": [{"index": 0, "value": 40, "valueTwo": 0, "op": "SCMP_CMP_EQ"}],
        "includes": {},
        "excludes": {},
    }
    compiled = compile_for(profile(rule))
    assert compiled is not None
    assert compiled["syscalls"] == [
        {
            "names": ["socket"],
            "action": "SCMP_ACT_ERRNO",
            "errnoRet": 22,
            "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_EQ"}],
        }
    ]


def test_empty_args_are_omitted() -> None:
    compiled = compile_for(profile(allow("read", args=None), allow("write", args=[])))
    assert compiled is not None
    assert all("args" not in rule for rule in compiled["syscalls"])


def test_rules_keep_profile_order() -> None:
    compiled = compile_for(profile(allow("b"), allow("a"), allow("c")))
    assert names(compiled) == ["b", "a", "c"]


def test_default_profile_is_read_from_containers_common() -> None:
    loaded = load_seccomp_profile(None)
    assert loaded is not None and loaded["defaultAction"] == "SCMP_ACT_ERRNO"
    assert str(DEFAULT_PROFILE_PATH) == "/usr/share/containers/seccomp.json"


def allowed_by_default_profile(caps: list[str]) -> list[str]:
    loaded = load_seccomp_profile(None)
    assert loaded is not None
    compiled = compile_for(loaded, caps, arch="x86_64")
    assert compiled is not None
    return [n for r in compiled["syscalls"] if r["action"] == "SCMP_ACT_ALLOW" for n in r["names"]]


def test_default_profile_denies_bpf_without_cap_sys_admin() -> None:
    allowed = allowed_by_default_profile(list(DEFAULT_CAPABILITIES))
    assert "read" in allowed and "bpf" not in allowed


def test_default_profile_allows_bpf_with_cap_sys_admin() -> None:
    assert "bpf" in allowed_by_default_profile([*DEFAULT_CAPABILITIES, "CAP_SYS_ADMIN"])


def test_missing_profile_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(errors.ConfigError, match="opening seccomp profile"):
        load_seccomp_profile(tmp_path / "nope.json")


def test_invalid_json_profile_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(errors.ConfigError, match="decoding seccomp profile"):
        load_seccomp_profile(path)


def test_profile_with_invalid_rules_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "both.json"
    path.write_text('{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["x"], "archMap": [{}]}')
    with pytest.raises(errors.ConfigError, match="invalid seccomp profile"):
        load_seccomp_profile(path)


def test_inline_profile_that_is_not_json_is_invalid_parameter() -> None:
    with pytest.raises(errors.InvalidParameter, match="Decoding seccomp profile failed"):
        parse_seccomp_profile("{oops")
