"""Verbs given several containers (`stop a b`, `start a b`): one line per success, one error
per failure, and carry on, as docker does; the exit status is the caller's rule."""

from __future__ import annotations

from collections.abc import Callable

from dockyard.cli.context import CommandContext
from dockyard.cli.transport import DaemonError


def act_on_each(
    ctx: CommandContext, names: list[str], action: Callable[[str], str | None]
) -> list[tuple[str, DaemonError]]:
    """Run `action` per name; print its output line (or the name) or the error; the failures."""
    failures: list[tuple[str, DaemonError]] = []
    for name in names:
        try:
            line = action(name)
        except DaemonError as error:
            ctx.err(str(error))
            failures.append((name, error))
            continue
        ctx.out(name if line is None else line)
    return failures


def for_each(
    ctx: CommandContext,
    names: list[str],
    action: Callable[[str], str | None],
    *,
    forgive: Callable[[DaemonError], bool] = lambda _error: False,
) -> int:
    """`act_on_each`, then 1 if any failure was not forgiven (`rm -f` forgives a 404), else 0."""
    failures = act_on_each(ctx, names, action)
    return 1 if any(not forgive(error) for _, error in failures) else 0
