"""Query parsing with dockerd's rules: booleans, filters, timestamps, resize sizes."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request

from dockyard.api.params import (
    bool_param,
    filters_param,
    int_param,
    uint32_param,
    unix_timestamp_param,
)
from dockyard.errors import InvalidParameter


def query(qs: str):  # noqa: ANN201 - aiohttp's request type is not worth spelling here
    return make_mocked_request("GET", "/x?" + qs)


@pytest.mark.parametrize("value", ["", "0", "no", "false", "none", "FALSE"])
def test_moby_false_spellings_are_false(value: str) -> None:
    assert bool_param(query(f"all={value}"), "all") is False


@pytest.mark.parametrize("value", ["1", "true", "yes", "anything"])
def test_any_other_value_is_true(value: str) -> None:
    assert bool_param(query(f"all={value}"), "all") is True


def test_a_missing_boolean_takes_its_default() -> None:
    assert bool_param(query(""), "stream", default=True) is True


def test_filters_accept_the_map_form() -> None:
    request = query('filters={"name":{"web":true},"status":{"exited":true}}')
    assert filters_param(request) == {"name": ["web"], "status": ["exited"]}


def test_filters_accept_the_legacy_list_form() -> None:
    assert filters_param(query('filters={"label":["a=b"]}')) == {"label": ["a=b"]}


def test_malformed_filters_are_a_bad_request() -> None:
    with pytest.raises(InvalidParameter, match="invalid filter"):
        filters_param(query("filters=notjson"))


def test_a_bad_integer_is_rejected_like_strconv() -> None:
    with pytest.raises(InvalidParameter, match='parsing "ten": invalid syntax'):
        int_param(query("t=ten"), "t")


def test_unix_timestamps_keep_their_nanoseconds() -> None:
    assert unix_timestamp_param(query("since=1700000000.500000000"), "since") == 1700000000.5


def test_a_timestamp_that_is_not_a_number_is_rejected() -> None:
    with pytest.raises(InvalidParameter, match="invalid value for 'since'"):
        unix_timestamp_param(query("since=yesterday"), "since")


def test_a_negative_resize_size_is_out_of_range() -> None:
    with pytest.raises(InvalidParameter, match='invalid resize height "-1": value out of range'):
        uint32_param(query("h=-1"), "h", what="height")
