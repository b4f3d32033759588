"""Numbers the benchmarks report: per-engine summaries, ratios, and the JSON they leave behind.

Benchmarks only report; nothing here judges a number except to say whether a stated goal was
met, so the output reads the same whether the engine is fast or slow today.
"""

from __future__ import annotations

import json
import platform
import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.common import CONTAINERD, DOCKER_CLI, DOCKERD


@dataclass(frozen=True)
class Summary:
    """Milliseconds over the successful samples of one engine."""

    n: int
    median_ms: float
    p90_ms: float
    min_ms: float
    max_ms: float


def summarize(samples_ms: Sequence[float]) -> Summary | None:
    """Median and 90th percentile (inclusive quantiles); ``None`` when nothing succeeded."""
    if not samples_ms:
        return None
    values = sorted(samples_ms)
    p90 = values[0]
    if len(values) > 1:
        p90 = statistics.quantiles(values, n=10, method="inclusive")[8]
    return Summary(
        n=len(values),
        median_ms=round(statistics.median(values), 2),
        p90_ms=round(p90, 2),
        min_ms=round(values[0], 2),
        max_ms=round(values[-1], 2),
    )


def ratio(numerator: Summary | None, denominator: Summary | None) -> float | None:
    """dockyard median / dockerd median, or ``None`` when either side has no numbers."""
    if numerator is None or denominator is None or denominator.median_ms == 0:
        return None
    return round(numerator.median_ms / denominator.median_ms, 3)


def summary_dict(summary: Summary | None) -> dict[str, Any] | None:
    return None if summary is None else asdict(summary)


def _version(args: list[str]) -> str:
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return (out.stdout or out.stderr).strip().splitlines()[0] if out.stdout or out.stderr else ""


def environment() -> dict[str, Any]:
    """Where the numbers came from, so two result files can be compared honestly."""
    return {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host": platform.node(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "docker_cli": _version([str(DOCKER_CLI), "--version"]),
        "dockerd": _version([str(DOCKERD), "--version"]),
        "containerd": _version([str(CONTAINERD), "--version"]),
    }


def write_json(path: Path, payload: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def summary_table(title: str, rows: dict[str, Summary | None], failures: dict[str, int]) -> Table:
    table = Table(title=title)
    for column in ("engine", "ok", "failed", "median ms", "p90 ms", "min ms", "max ms"):
        table.add_column(column, justify="left" if column == "engine" else "right")
    for label, summary in rows.items():
        if summary is None:
            table.add_row(label, "0", str(failures.get(label, 0)), "-", "-", "-", "-")
            continue
        table.add_row(
            label,
            str(summary.n),
            str(failures.get(label, 0)),
            f"{summary.median_ms:.1f}",
            f"{summary.p90_ms:.1f}",
            f"{summary.min_ms:.1f}",
            f"{summary.max_ms:.1f}",
        )
    return table


def print_failures(errors: dict[str, list[str]]) -> None:
    """Each engine's distinct error messages, so a failed run says what went wrong."""
    for label, messages in errors.items():
        for error in sorted(set(messages)):
            console.print(f"[red]{label} failure[/red]: {error}", highlight=False)


console = Console()
