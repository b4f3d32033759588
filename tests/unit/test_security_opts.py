"""HostConfig.SecurityOpt parsed as dockerd parses it."""

from __future__ import annotations

import pytest

from dockyard import errors
from dockyard.runtime.security_opts import parse_security_opts


def test_no_options_give_the_defaults() -> None:
    opts = parse_security_opts(None)
    assert (opts.no_new_privileges, opts.seccomp, opts.writable_cgroups) == (False, "", False)


def test_bare_no_new_privileges_enables_it() -> None:
    assert parse_security_opts(["no-new-privileges"]).no_new_privileges is True


def test_no_new_privileges_takes_a_go_boolean() -> None:
    assert parse_security_opts(["no-new-privileges=false"]).no_new_privileges is False


def test_seccomp_value_is_kept_verbatim() -> None:
    assert parse_security_opts(['seccomp={"a": 1}']).seccomp == '{"a": 1}'


def test_legacy_colon_separator_is_accepted() -> None:
    assert parse_security_opts(["seccomp:unconfined"]).seccomp == "unconfined"


def test_option_without_value_is_rejected_with_docker_wording() -> None:
    with pytest.raises(errors.InvalidParameter) as info:
        parse_security_opts(["bogus"])
    assert str(info.value) == 'invalid --security-opt 1: "bogus"'


def test_unknown_key_is_rejected_with_docker_wording() -> None:
    with pytest.raises(errors.InvalidParameter) as info:
        parse_security_opts(["foo=bar"])
    assert str(info.value) == 'invalid --security-opt 2: "foo=bar"'


def test_bad_boolean_is_rejected() -> None:
    with pytest.raises(errors.InvalidParameter, match="invalid --security-opt 2"):
        parse_security_opts(["no-new-privileges=maybe"])
