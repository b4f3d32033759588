"""`--format` for listings: the default table, `table TEMPLATE`, or one template per row.

Rows are dicts of display strings (see `listing`); a `table` format renders the
template against the header names for the header line, and each `\\t` in the
result becomes a column boundary, as docker's formatter does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from dockyard.cli.failures import CliFailure
from dockyard.cli.tables import render_table
from dockyard.cli.template import Template, TemplateError

TABLE_PREFIX = "table"


def _escapes(text: str) -> str:
    return text.replace("\\t", "\t").replace("\\n", "\n")


def render_rows(
    rows: Sequence[Mapping[str, str]],
    *,
    format_spec: str | None,
    headers: Mapping[str, str],
    default_columns: Sequence[str],
) -> str:
    """Render listing rows the way `docker ps/images --format` would."""
    spec = format_spec or TABLE_PREFIX
    if spec.strip() == TABLE_PREFIX:
        return render_table(
            [headers[column] for column in default_columns],
            [[row[column] for column in default_columns] for row in rows],
        )
    if spec.startswith(TABLE_PREFIX + " ") or spec.startswith(TABLE_PREFIX + "\t"):
        template = Template(_escapes(spec[len(TABLE_PREFIX) :].strip(" ")))
        header = template.render(dict(headers)).split("\t")
        body = [template.render(row).split("\t") for row in rows]
        return render_table(header, body)
    template = Template(_escapes(spec))
    return "".join(template.render(row) + "\n" for row in rows)


@contextmanager
def template_errors_reported() -> Iterator[None]:
    """A bad `--format`/`-f` template fails the command as docker words it."""
    try:
        yield
    except TemplateError as error:
        raise CliFailure(f"template parsing error: {error}") from None
