"""Image references parse, normalise and match the way Docker's do."""

from __future__ import annotations

import pytest

from dockyard.errors import InvalidParameter
from dockyard.images.reference import familiar_match, parse_normalized, parse_tagged


@pytest.mark.parametrize(
    ("text", "familiar"),
    [
        ("busybox", "busybox:latest"),
        ("library/busybox:1.36", "busybox:1.36"),
        ("docker.io/library/busybox:latest", "busybox:latest"),
        ("index.docker.io/me/app:v1", "me/app:v1"),
        ("localhost:5000/app", "localhost:5000/app:latest"),
        ("example.com/team/app:1.0", "example.com/team/app:1.0"),
    ],
)
def test_names_normalise_to_the_familiar_form(text: str, familiar: str) -> None:
    assert parse_normalized(text).with_default_tag().familiar() == familiar


def test_uppercase_repository_is_refused_with_dockers_message() -> None:
    with pytest.raises(InvalidParameter, match="must be lowercase"):
        parse_normalized("BusyBox")


def test_a_64_hex_name_is_refused() -> None:
    with pytest.raises(InvalidParameter, match="64-byte hexadecimal"):
        parse_normalized("a" * 64)


def test_garbage_is_an_invalid_reference_format() -> None:
    with pytest.raises(InvalidParameter, match="invalid reference format"):
        parse_normalized("bad name!")


def test_the_tag_argument_overrides_the_one_in_repo() -> None:
    assert parse_tagged("app:1", "2").familiar() == "app:2"


def test_a_digest_cannot_name_a_tag_target() -> None:
    with pytest.raises(InvalidParameter, match="digest"):
        parse_tagged("app@sha256:" + "0" * 64)


@pytest.mark.parametrize(
    ("pattern", "tag", "expected"),
    [
        ("busybox", "busybox:latest", True),
        ("busy*", "busybox:1.0", True),
        ("*:1.0", "busybox:1.0", True),
        ("*", "me/app:latest", False),
        ("me/*", "me/app:latest", True),
        ("b[a-z]sybox", "busybox:latest", True),
        ("b[^u]sybox", "busybox:latest", False),
    ],
)
def test_reference_globs_follow_go_path_match(pattern: str, tag: str, expected: bool) -> None:
    assert familiar_match(pattern, parse_normalized(tag)) is expected
