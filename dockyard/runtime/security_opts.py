"""``HostConfig.SecurityOpt`` parsed the way dockerd parses it (``parseSecurityOpt``).

The CLI sends ``seccomp=<profile JSON>`` (it reads the file client-side), ``seccomp=unconfined``,
``no-new-privileges[=bool]``, ``apparmor=…``, ``label=…``; the legacy ``key:value`` separator is
still accepted. Error wording is Docker's.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from dockyard import errors

log = logging.getLogger(__name__)

UNCONFINED = "unconfined"
BUILTIN = "builtin"

_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}


@dataclass(frozen=True)
class SecurityOptions:
    no_new_privileges: bool = False
    seccomp: str = ""  # "" (daemon default), "unconfined", "builtin" or a profile's JSON
    apparmor: str = ""
    labels: tuple[str, ...] = ()
    writable_cgroups: bool = False


def _parse_bool(value: str, opt: str) -> bool:
    """Go's ``strconv.ParseBool``."""
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise errors.InvalidParameter(f'invalid --security-opt 2: "{opt}"')


def parse_security_opts(opts: Sequence[str] | None) -> SecurityOptions:
    no_new_privileges, writable_cgroups = False, False
    seccomp = apparmor = ""
    labels: list[str] = []
    for opt in opts or ():
        if opt == "no-new-privileges":
            no_new_privileges = True
            continue
        if opt == "disable":
            labels.append("disable")
            continue
        if "=" in opt:
            key, _, value = opt.partition("=")
        elif ":" in opt:
            key, _, value = opt.partition(":")
            log.warning("security options with ':' as a separator are deprecated, use '='")
        else:
            raise errors.InvalidParameter(f'invalid --security-opt 1: "{opt}"')
        if key == "label":
            labels.append(value)
        elif key == "apparmor":
            apparmor = value
        elif key == "seccomp":
            seccomp = value
        elif key == "no-new-privileges":
            no_new_privileges = _parse_bool(value, opt)
        elif key == "writable-cgroups":
            writable_cgroups = _parse_bool(value, opt)
        else:
            raise errors.InvalidParameter(f'invalid --security-opt 2: "{opt}"')
    return SecurityOptions(
        no_new_privileges=no_new_privileges,
        seccomp=seccomp,
        apparmor=apparmor,
        labels=tuple(labels),
        writable_cgroups=writable_cgroups,
    )
