"""`ps` and `images` rows and tables, compared with what the docker CLI prints."""

from __future__ import annotations

from typing import Any

import pytest

from dockyard.cli.formatting import render_rows
from dockyard.cli.listing import (
    CONTAINER_COLUMNS,
    CONTAINER_HEADERS,
    IMAGE_COLUMNS,
    IMAGE_HEADERS,
    container_fields,
    displayable_ports,
    image_rows,
)
from dockyard.cli.tables import render_table

NOW = 1_700_000_000.0
FULL_ID = "4f1c3b9a7d2e" + "9" * 52


def summary(**overrides: Any) -> dict[str, Any]:
    base = {
        "Id": FULL_ID,
        "Names": ["/web"],
        "Image": "busybox",
        "ImageID": "sha256:" + "b" * 64,
        "Command": "sleep 300",
        "Created": NOW - 5,
        "Ports": [],
        "State": "running",
        "Status": "Up 4 seconds",
    }
    return {**base, **overrides}


def test_ps_table_has_docker_columns_and_spacing() -> None:
    rows = [container_fields(summary(), now=NOW, truncate=True)]
    text = render_rows(
        rows, format_spec=None, headers=CONTAINER_HEADERS, default_columns=CONTAINER_COLUMNS
    )
    assert text.splitlines() == [
        "CONTAINER ID   IMAGE     COMMAND       CREATED         STATUS         PORTS     NAMES",
        '4f1c3b9a7d2e   busybox   "sleep 300"   5 seconds ago   Up 4 seconds             web',
    ]


def test_ps_command_is_truncated_to_twenty_cells_then_quoted() -> None:
    row = container_fields(
        summary(Command="sh -c 'echo hello; sleep 1000'"), now=NOW, truncate=True
    )
    assert row["Command"] == '"sh -c \'echo hello; …"'


def test_ps_no_trunc_keeps_full_id_and_command() -> None:
    row = container_fields(summary(Command="a" * 30), now=NOW, truncate=False)
    assert (row["ID"], row["Command"]) == (FULL_ID, '"' + "a" * 30 + '"')


def test_ps_shows_one_name_without_its_slash() -> None:
    row = container_fields(summary(Names=["/other/link", "/web"]), now=NOW, truncate=True)
    assert row["Names"] == "web"


def test_ps_shows_a_short_image_id_when_the_image_is_an_id() -> None:
    image = "sha256:" + "b" * 64
    row = container_fields(summary(Image=image), now=NOW, truncate=True)
    assert row["Image"] == "b" * 12


@pytest.mark.parametrize(
    ("ports", "expected"),
    [
        ([{"PrivatePort": 9988, "Type": "tcp"}], "9988/tcp"),
        ([{"IP": "0.0.0.0", "PrivatePort": 9988, "Type": "tcp"}], "0.0.0.0:0->9988/tcp"),
        (
            [{"IP": "4.3.2.1", "PrivatePort": 9988, "PublicPort": 8899, "Type": "tcp"}],
            "4.3.2.1:8899->9988/tcp",
        ),
        (
            [
                {"IP": "1.2.3.4", "PublicPort": 9998, "PrivatePort": 9998, "Type": "udp"},
                {"IP": "1.2.3.4", "PublicPort": 9999, "PrivatePort": 9999, "Type": "udp"},
            ],
            "1.2.3.4:9998-9999->9998-9999/udp",
        ),
        (
            [{"PrivatePort": 9998, "Type": "udp"}, {"PrivatePort": 9999, "Type": "udp"}],
            "9998-9999/udp",
        ),
        (
            [
                {"IP": "1.2.3.4", "PrivatePort": 6677, "PublicPort": 7766, "Type": "tcp"},
                {"PrivatePort": 9988, "PublicPort": 8899, "Type": "udp"},
            ],
            "9988/udp, 1.2.3.4:7766->6677/tcp",
        ),
        (
            [
                {"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
                {"IP": "::", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
            ],
            "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp",
        ),
    ],
)
def test_ports_column_groups_like_docker(ports: list[dict[str, Any]], expected: str) -> None:
    assert displayable_ports(ports) == expected


def test_images_get_one_row_per_tag() -> None:
    image = {
        "Id": "sha256:" + "c" * 64,
        "RepoTags": ["bb:latest", "bb:1"],
        "Created": NOW - 120,
        "Size": 4_261_234,
    }
    rows = image_rows([image], now=NOW, truncate=True)
    assert [(row["Repository"], row["Tag"]) for row in rows] == [("bb", "latest"), ("bb", "1")]


def test_untagged_images_show_none() -> None:
    image = {"Id": "sha256:" + "c" * 64, "RepoTags": None, "Created": NOW, "Size": 1}
    row = image_rows([image], now=NOW, truncate=True)[0]
    assert (row["Repository"], row["Tag"]) == ("<none>", "<none>")


def test_images_table_has_docker_columns() -> None:
    image = {
        "Id": "sha256:" + "c" * 64,
        "RepoTags": ["localhost:5000/bb:v1"],
        "Created": NOW - 120,
        "Size": 4_261_234,
    }
    rows = image_rows([image], now=NOW, truncate=True)
    text = render_rows(rows, format_spec=None, headers=IMAGE_HEADERS, default_columns=IMAGE_COLUMNS)
    assert text.splitlines() == [
        "REPOSITORY          TAG       IMAGE ID       CREATED         SIZE",
        "localhost:5000/bb   v1        cccccccccccc   2 minutes ago   4.26MB",
    ]


def test_table_format_uses_header_names_and_tab_columns() -> None:
    rows = [container_fields(summary(), now=NOW, truncate=True)]
    text = render_rows(
        rows,
        format_spec="table {{.Names}}\\t{{.State}}",
        headers=CONTAINER_HEADERS,
        default_columns=CONTAINER_COLUMNS,
    )
    assert text.splitlines() == ["NAMES     STATE", "web       running"]


def test_plain_format_prints_one_line_per_row() -> None:
    rows = [container_fields(summary(), now=NOW, truncate=True)]
    text = render_rows(
        rows,
        format_spec="{{.ID}} {{.Names}}",
        headers=CONTAINER_HEADERS,
        default_columns=CONTAINER_COLUMNS,
    )
    assert text == "4f1c3b9a7d2e web\n"


def test_table_cells_are_never_read_as_markup() -> None:
    assert render_table(["A"], [["[bold]x[/bold]"]]).splitlines()[1] == "[bold]x[/bold]"


def test_table_columns_are_at_least_ten_cells_wide() -> None:
    assert render_table(["A", "B"], [["x", "y"]]) == "A         B\n" + "x         y\n"


def test_table_columns_pad_three_past_the_widest_cell() -> None:
    assert render_table(["NAME", "X"], [["abcdefghijkl", "y"]]).splitlines()[1] == (
        "abcdefghijkl   y"
    )


def test_images_from_the_default_registry_show_familiar_names() -> None:
    image = {
        "Id": "sha256:" + "c" * 64,
        "RepoTags": ["docker.io/library/busybox:1.36"],
        "Created": NOW,
        "Size": 1,
    }
    row = image_rows([image], now=NOW, truncate=True)[0]
    assert (row["Repository"], row["Tag"]) == ("busybox", "1.36")


def test_ps_size_adds_the_virtual_size_when_known() -> None:
    row = container_fields(summary(SizeRw=2, SizeRootFs=21_500_000), now=NOW, truncate=True)
    assert row["Size"] == "2B (virtual 21.5MB)"
