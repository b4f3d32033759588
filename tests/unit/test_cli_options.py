"""Flag values the CLI turns into Engine API fields before sending anything."""

from __future__ import annotations

import pytest

from dockyard.cli.failures import OptionError
from dockyard.cli.options import (
    parse_detach_keys,
    parse_env,
    parse_filters,
    parse_labels,
    parse_memory_bytes,
    parse_nano_cpus,
    parse_publish,
    parse_restart_policy,
)


def test_restart_policy_without_a_count_keeps_only_the_name() -> None:
    policy = parse_restart_policy("always")
    assert policy.to_api() == {"Name": "always", "MaximumRetryCount": 0}


def test_restart_policy_count_follows_the_first_colon() -> None:
    policy = parse_restart_policy("on-failure:3")
    assert policy.to_api() == {"Name": "on-failure", "MaximumRetryCount": 3}


def test_restart_policy_name_is_left_for_the_engine_to_judge() -> None:
    assert parse_restart_policy("bogus").name == "bogus"


def test_restart_policy_with_nothing_before_the_colon_is_rejected() -> None:
    with pytest.raises(OptionError, match="^invalid restart policy format: no policy provided"):
        parse_restart_policy(":3")


def test_restart_policy_with_a_non_integer_count_is_rejected() -> None:
    with pytest.raises(
        OptionError,
        match="^invalid restart policy format: maximum retry count must be an integer$",
    ):
        parse_restart_policy("on-failure:abc")


def test_empty_restart_policy_means_leave_it_unchanged() -> None:
    assert parse_restart_policy("").to_api() == {"Name": "", "MaximumRetryCount": 0}


def test_restart_policy_no_allows_auto_remove() -> None:
    assert parse_restart_policy("no").is_none


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("64m", 64 * 1024**2),
        ("1g", 1024**3),
        ("512k", 512 * 1024),
        ("1.5GiB", int(1.5 * 1024**3)),
        ("100", 100),
        ("10b", 10),
        ("2 MB", 2 * 1024**2),
    ],
)
def test_memory_sizes_use_binary_units(text: str, expected: int) -> None:
    assert parse_memory_bytes(text) == expected


def test_memory_with_an_unknown_suffix_is_rejected() -> None:
    with pytest.raises(OptionError, match="^invalid suffix: 'x'$"):
        parse_memory_bytes("64x")


def test_memory_without_digits_is_rejected() -> None:
    with pytest.raises(OptionError, match="^invalid size: 'lots'$"):
        parse_memory_bytes("lots")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.5", 1_500_000_000), ("2", 2_000_000_000), ("0.001", 1_000_000), ("0.000000001", 1)],
)
def test_cpus_become_nano_cpus(text: str, expected: int) -> None:
    assert parse_nano_cpus(text) == expected


def test_cpus_finer_than_a_billionth_are_rejected() -> None:
    with pytest.raises(OptionError, match="^value is too precise$"):
        parse_nano_cpus("0.0000000001")


def test_cpus_that_are_not_numbers_are_rejected() -> None:
    with pytest.raises(OptionError, match="^failed to parse two as a rational number$"):
        parse_nano_cpus("two")


def test_env_without_a_value_takes_it_from_the_client_environment() -> None:
    assert parse_env(["HOME", "A=1"], environ={"HOME": "/root"}) == ["HOME=/root", "A=1"]


def test_env_without_a_value_and_not_in_the_environment_is_sent_bare() -> None:
    assert parse_env(["UNSET"], environ={}) == ["UNSET"]


def test_env_keeps_everything_after_the_first_equals_sign() -> None:
    assert parse_env(["A=b=c"], environ={}) == ["A=b=c"]


def test_env_with_an_empty_name_is_rejected() -> None:
    with pytest.raises(OptionError, match="^invalid environment variable: =x$"):
        parse_env(["=x"], environ={})


def test_labels_without_a_value_are_empty_strings() -> None:
    assert parse_labels(["tier=web", "canary"]) == {"tier": "web", "canary": ""}


def test_repeated_filters_collect_under_one_key() -> None:
    assert parse_filters(["name=web", "name=db", "status=exited"]) == {
        "name": {"web": True, "db": True},
        "status": {"exited": True},
    }


def test_filter_without_a_value_is_rejected() -> None:
    with pytest.raises(OptionError, match="expected name=value"):
        parse_filters(["dangling"])


def test_publish_binds_a_host_port_on_every_address() -> None:
    ports = parse_publish(["8080:80"])
    assert ports.exposed == {"80/tcp": {}}
    assert ports.bindings == {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}


def test_publish_accepts_a_bracketed_ipv6_address_and_protocol() -> None:
    ports = parse_publish(["[::1]:5353:53/udp"])
    assert ports.bindings == {"53/udp": [{"HostIp": "::1", "HostPort": "5353"}]}


def test_publish_ranges_pair_host_and_container_ports() -> None:
    ports = parse_publish(["127.0.0.1:9000-9001:80-81"])
    assert ports.bindings == {
        "80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "9000"}],
        "81/tcp": [{"HostIp": "127.0.0.1", "HostPort": "9001"}],
    }


def test_publish_without_a_host_port_lets_the_engine_choose() -> None:
    assert parse_publish(["80"]).bindings == {"80/tcp": [{"HostIp": "", "HostPort": ""}]}


def test_publish_with_an_unknown_protocol_is_rejected() -> None:
    with pytest.raises(OptionError, match="^invalid proto: quic$"):
        parse_publish(["80/quic"])


def test_detach_keys_default_to_ctrl_p_ctrl_q() -> None:
    assert parse_detach_keys(None) == b"\x10\x11"


def test_detach_keys_accept_control_and_plain_characters() -> None:
    assert parse_detach_keys("ctrl-a,x") == b"\x01x"


def test_a_bare_sig_proxy_flag_does_not_swallow_the_image() -> None:
    from dockyard.cli.attaching import split_bool_flag_values
    from dockyard.cli.parser import build_parser

    parser = build_parser()
    args = parser.parse_args(split_bool_flag_values(["run", "--sig-proxy", "busybox", "true"]))
    assert args.sig_proxy is True and args.image == "busybox"
    args = parser.parse_args(split_bool_flag_values(["run", "--sig-proxy=false", "busybox"]))
    assert args.sig_proxy is False
