"""Borderless column tables laid out like the docker CLI's tabwriter output.

docker uses `tabwriter.NewWriter(out, minwidth, 1, 3, ' ', 0)`: every column but
the last is padded to max(content + 3, minwidth) cells and lines carry no
trailing blanks. rich does the measuring (it knows wide characters); we only
strip what tabwriter would not print.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

_PADDING = 3
_UNLIMITED_WIDTH = 1_000_000


def render_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, min_width: int = 10
) -> str:
    """Return the table as text: a header line, then one line per row, newline-terminated."""
    table = Table(
        box=None,
        show_header=bool(headers),
        show_edge=False,
        pad_edge=False,
        padding=(0, _PADDING, 0, 0),
        header_style=None,
        expand=False,
    )
    columns = len(headers) if headers else max((len(row) for row in rows), default=0)
    for index in range(columns):
        header = headers[index] if headers else ""
        table.add_column(
            Text(header), min_width=max(0, min_width - _PADDING), no_wrap=True, overflow="ignore"
        )
    for row in rows:
        cells = list(row) + [""] * (columns - len(row))
        table.add_row(*(Text(cell) for cell in cells[:columns]))
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=_UNLIMITED_WIDTH,
        color_system=None,
        force_terminal=False,
        highlight=False,
        markup=False,
        emoji=False,
    )
    console.print(table)
    lines = [line.rstrip() for line in buffer.getvalue().splitlines()]
    return "".join(line + "\n" for line in lines)
