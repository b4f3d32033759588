"""Docker-format seccomp profiles: load them, and compile one for a container.

A Docker profile is a *template*: rules carry ``includes``/``excludes`` conditions on the
architecture, the container's capabilities and the kernel version. runc knows nothing of those,
so each container gets its own compiled OCI ``linux.seccomp`` — the rules whose conditions hold
for this host and this container's bounding set — exactly as moby's ``setupSeccomp`` does.
runc and crun apply no filter at all unless the spec has one.
"""

from __future__ import annotations

import json
import platform
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dockyard import errors

DEFAULT_PROFILE_PATH = Path("/usr/share/containers/seccomp.json")

# platform.machine() → the libseccomp/Go names Docker profiles use in ``arches``.
_MACHINE_TO_NATIVE = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "i386": "x86",
    "i486": "x86",
    "i586": "x86",
    "i686": "x86",
    "aarch64": "arm64",
    "arm64": "arm64",
    "armv6l": "arm",
    "armv7l": "arm",
    "armv8l": "arm",
    "ppc64le": "ppc64le",
    "ppc64": "ppc64",
    "s390x": "s390x",
    "s390": "s390",
    "riscv64": "riscv64",
    "mips64": "mips64",
    "loongarch64": "loong64",
}

# Native name → the OCI/libseccomp architecture looked up in ``archMap``.
_NATIVE_TO_SCMP = {
    "x86": "SCMP_ARCH_X86",
    "amd64": "SCMP_ARCH_X86_64",
    "arm": "SCMP_ARCH_ARM",
    "arm64": "SCMP_ARCH_AARCH64",
    "loong64": "SCMP_ARCH_LOONGARCH64",
    "mips64": "SCMP_ARCH_MIPS64",
    "mips64n32": "SCMP_ARCH_MIPS64N32",
    "mipsel64": "SCMP_ARCH_MIPSEL64",
    "mips3l64n32": "SCMP_ARCH_MIPSEL64N32",
    "mipsle": "SCMP_ARCH_MIPSEL",
    "ppc": "SCMP_ARCH_PPC",
    "ppc64": "SCMP_ARCH_PPC64",
    "ppc64le": "SCMP_ARCH_PPC64LE",
    "riscv64": "SCMP_ARCH_RISCV64",
    "s390": "SCMP_ARCH_S390",
    "s390x": "SCMP_ARCH_S390X",
}

# OCI LinuxSeccomp fields copied through unchanged (everything but architectures/syscalls).
_PASSTHROUGH = ("defaultAction", "defaultErrnoRet", "flags", "listenerPath", "listenerMetadata")
_KERNEL_RE = re.compile(r"^(\d+)\.(\d+)")


def native_arch(machine: str) -> str:
    """Docker's arch name for ``platform.machine()`` output (already-native names pass)."""
    return _MACHINE_TO_NATIVE.get(machine, machine)


def load_seccomp_profile(path: Path | None) -> dict[str, Any] | None:
    """Read a Docker-format profile; ``None`` reads the maintained default profile.

    Raised as ``ConfigError`` because this runs while the daemon loads its configuration
    (``seccomp-profile`` in daemon.json); a broken profile must stop start-up, not containers.
    """
    source = DEFAULT_PROFILE_PATH if path is None else Path(path)
    try:
        profile = json.loads(source.read_text())
    except OSError as exc:
        raise errors.ConfigError(
            f"opening seccomp profile ({source}) failed: {exc.strerror or exc}"
        ) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise errors.ConfigError(f"decoding seccomp profile ({source}) failed: {exc}") from exc
    if not isinstance(profile, dict):
        raise errors.ConfigError(f"decoding seccomp profile ({source}) failed: not a JSON object")
    try:
        compile_seccomp(profile, capabilities=[])
    except errors.InvalidParameter as exc:
        raise errors.ConfigError(f"invalid seccomp profile ({source}): {exc}") from exc
    return profile


def parse_seccomp_profile(body: str) -> dict[str, Any]:
    """A profile sent inline (``--security-opt seccomp=<file>`` sends the file's content)."""
    try:
        profile = json.loads(body)
    except json.JSONDecodeError as exc:
        raise errors.InvalidParameter(f"Decoding seccomp profile failed: {exc}") from exc
    if not isinstance(profile, dict):
        raise errors.InvalidParameter("Decoding seccomp profile failed: not a JSON object")
    return profile


def _kernel_at_least(minimum: str, release: str) -> bool:
    """Compare "kernel.major" only, as Docker does ("5.8" vs "6.18.44-…")."""
    want = _KERNEL_RE.match(str(minimum))
    have = _KERNEL_RE.match(release)
    if want is None or (int(want.group(1)), int(want.group(2))) == (0, 0):
        raise errors.InvalidParameter(
            f'invalid kernel version: "{minimum}", expected "<kernel>.<major>"'
        )
    if have is None:
        raise errors.InvalidParameter(f'failed to parse kernel version "{release}"')
    return (int(have.group(1)), int(have.group(2))) >= (int(want.group(1)), int(want.group(2)))


def _rule_applies(
    rule: dict[str, Any], *, arch: str, capabilities: Sequence[str], kernel: str
) -> bool:
    excludes = rule.get("excludes") or {}
    if arch in (excludes.get("arches") or ()):
        return False
    if any(c in capabilities for c in excludes.get("caps") or ()):
        return False
    if excludes.get("minKernel") and _kernel_at_least(excludes["minKernel"], kernel):
        return False
    includes = rule.get("includes") or {}
    arches = includes.get("arches") or ()
    if arches and arch not in arches:
        return False
    if any(c not in capabilities for c in includes.get("caps") or ()):
        return False
    return not (includes.get("minKernel") and not _kernel_at_least(includes["minKernel"], kernel))


def _oci_syscall(rule: dict[str, Any]) -> dict[str, Any]:
    names = rule.get("names") or []
    if rule.get("name"):
        if names:
            raise errors.InvalidParameter(
                "both 'name' and 'names' are specified in the seccomp profile, "
                "use either 'name' or 'names'"
            )
        names = [rule["name"]]
    out: dict[str, Any] = {"names": list(names), "action": rule.get("action", "")}
    if rule.get("errnoRet") is not None:
        out["errnoRet"] = rule["errnoRet"]
    args = [
        {k: v for k, v in arg.items() if k in ("index", "value", "valueTwo", "op")}
        for arg in rule.get("args") or ()
    ]
    for arg in args:
        if not arg.get("valueTwo"):
            arg.pop("valueTwo", None)
    if args:
        out["args"] = args
    return out


def compile_seccomp(
    profile: dict[str, Any],
    *,
    capabilities: list[str],
    arch: str = platform.machine(),
    kernel_release: str | None = None,
) -> dict[str, Any] | None:
    """The OCI ``linux.seccomp`` for a container with bounding set ``capabilities``.

    Returns ``None`` for a profile with neither a default action nor rules (Docker reads that
    as "seccomp disabled"). ``kernel_release`` defaults to this host's ``uname -r``.
    """
    if not profile.get("defaultAction") and not profile.get("syscalls"):
        return None
    if profile.get("architectures") and profile.get("archMap"):
        raise errors.InvalidParameter(
            "both 'architectures' and 'archMap' are specified in the seccomp profile, "
            "use either 'architectures' or 'archMap'"
        )
    native = native_arch(arch)
    kernel = kernel_release or platform.release()
    out: dict[str, Any] = {k: profile[k] for k in _PASSTHROUGH if profile.get(k) is not None}
    architectures = list(profile.get("architectures") or ())
    scmp = _NATIVE_TO_SCMP.get(native)
    for entry in profile.get("archMap") or ():
        if scmp is not None and entry.get("architecture") == scmp:
            architectures += [entry["architecture"], *(entry.get("subArchitectures") or ())]
            break
    if architectures:
        out["architectures"] = architectures
    syscalls = []
    for rule in profile.get("syscalls") or ():
        syscall = _oci_syscall(rule)  # validates every rule, not only the ones that apply
        if _rule_applies(rule, arch=native, capabilities=capabilities, kernel=kernel):
            syscalls.append(syscall)
    if syscalls:
        out["syscalls"] = syscalls
    return out
