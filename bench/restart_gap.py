"""How soon an engine restarts a ``--restart always`` container after it exits.

For each engine, ``docker run -d --restart always --network none busybox true`` exits at once
and is restarted again and again. ``docker events`` gives every ``die`` and ``start`` with the
engine's own ``timeNano``; the gap between a ``die`` and the next ``start`` is the restart
backoff (100 ms, then 200, 400 … as in Docker) plus the engine's overhead. The first gap is the
one users notice. Goal: dockyard's first gap ≤ 150 ms.

    python -m bench.restart_gap [--trials 5] [--restarts 3] [--engines dockyard,dockerd]
"""

from __future__ import annotations

import argparse
import json
import logging
import queue
import secrets
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.table import Table

from bench.common import IMAGE, BenchSetupError, EngineEndpoint
from bench.harness import add_engine_options, measure_on_engines
from bench.summary import console, environment, print_failures, write_json

log = logging.getLogger("bench")
GOAL_FIRST_GAP_MS = 150.0
EVENTS_TIMEOUT_S = 30.0


@dataclass
class EngineGaps:
    """Per trial, the die→start gaps in ms of the first restarts; errors of failed trials."""

    trials: list[list[float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def nth_gaps(self, index: int) -> list[float]:
        return [gaps[index] for gaps in self.trials if len(gaps) > index]


def restart_gaps(events: list[dict[str, Any]], restarts: int) -> list[float]:
    """Gaps in ms between each ``die`` and the ``start`` that follows it, in event order."""
    gaps: list[float] = []
    died_at: int | None = None
    for event in events:
        action = event.get("Action") or event.get("status")
        if action == "die":
            died_at = int(event["timeNano"])
        elif action == "start" and died_at is not None:
            gaps.append((int(event["timeNano"]) - died_at) / 1e6)
            died_at = None
            if len(gaps) == restarts:
                break
    return gaps


@contextmanager
def container_events(
    endpoint: EngineEndpoint, name: str, since: float
) -> Iterator[queue.Queue[dict[str, Any]]]:
    """A ``docker events`` process for one container; yields a queue of decoded events.

    ``--since`` replays what happened before the stream connected, so no event is lost to the
    race between starting this process and ``docker run``.
    """
    command = endpoint.command(
        "events",
        "--since", f"{since:.9f}",
        "--filter", "type=container",
        "--filter", f"container={name}",
        "--format", "{{json .}}",
    )  # fmt: skip
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=endpoint.env()
    )
    lines: queue.Queue[dict[str, Any]] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                lines.put(json.loads(line))
            except json.JSONDecodeError:
                log.warning("%s: unreadable event line %r", endpoint.label, line)

    reader = threading.Thread(target=pump, name=f"events-{endpoint.label}", daemon=True)
    reader.start()
    try:
        yield lines
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        reader.join(5)


def one_trial(endpoint: EngineEndpoint, restarts: int) -> list[float]:
    """Run one restarting container until ``restarts`` gaps are seen; always remove it."""
    name = f"dy-bench-restart-{secrets.token_hex(4)}"
    since = time.time() - 1.0
    with container_events(endpoint, name, since) as stream:
        try:
            endpoint.docker(
                "run", "-d", "--name", name, "--restart", "always", "--network", "none",
                IMAGE, "true",
            )  # fmt: skip
            events: list[dict[str, Any]] = []
            deadline = time.monotonic() + EVENTS_TIMEOUT_S
            while len(restart_gaps(events, restarts)) < restarts:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [e.get("Action") for e in events]
                    raise BenchSetupError(
                        f"{endpoint.label}: {restarts} restarts not seen within "
                        f"{EVENTS_TIMEOUT_S:.0f}s; events: {seen}"
                    )
                try:
                    events.append(stream.get(timeout=remaining))
                except queue.Empty:
                    continue
        finally:
            endpoint.docker("rm", "-f", name, check=False)
    return restart_gaps(events, restarts)


def measure(
    endpoints: dict[str, EngineEndpoint], *, trials: int, restarts: int
) -> dict[str, EngineGaps]:
    """``trials`` containers per engine, interleaved; a failed trial is recorded, not fatal."""
    results = {label: EngineGaps() for label in endpoints}
    for trial in range(trials):
        order = list(endpoints) if trial % 2 == 0 else list(reversed(endpoints))
        for label in order:
            try:
                results[label].trials.append(one_trial(endpoints[label], restarts))
            except (BenchSetupError, subprocess.TimeoutExpired) as exc:
                log.warning("%s trial %d failed: %s", label, trial, exc)
                results[label].errors.append(str(exc))
    return results


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def report(results: dict[str, EngineGaps], *, trials: int, restarts: int, output: Path) -> None:
    table = Table(title=f"die → start gap, --restart always, {IMAGE} true (trials={trials})")
    table.add_column("engine")
    for column in ("ok", "failed", *(f"gap {i + 1} median ms" for i in range(restarts))):
        table.add_column(column, justify="right")
    medians: dict[str, list[float | None]] = {}
    for label, gaps in results.items():
        medians[label] = [_median(gaps.nth_gaps(i)) for i in range(restarts)]
        cells = ["-" if m is None else f"{m:.1f}" for m in medians[label]]
        table.add_row(label, str(len(gaps.trials)), str(len(gaps.errors)), *cells)
    console.print(table)
    ours = medians.get("dockyard", [None])[0]
    theirs = medians.get("dockerd", [None])[0]
    gap_ratio = round(ours / theirs, 3) if ours is not None and theirs else None
    ratio_text = "n/a" if gap_ratio is None else f"{gap_ratio:.2f}×"
    console.print(f"ratio dockyard/dockerd (first gap median): {ratio_text}")
    if ours is None:
        console.print(f"dockyard first gap: n/a   (goal ≤ {GOAL_FIRST_GAP_MS:.0f} ms)")
    else:
        verdict = "met" if ours <= GOAL_FIRST_GAP_MS else "not met"
        console.print(f"dockyard first gap median: {ours:.1f} ms   "
                      f"(goal ≤ {GOAL_FIRST_GAP_MS:.0f} ms: {verdict})")  # fmt: skip
    print_failures({label: gaps.errors for label, gaps in results.items()})
    payload = {
        "benchmark": "restart_gap",
        "command": [
            "docker",
            "run",
            "-d",
            "--restart",
            "always",
            "--network",
            "none",
            IMAGE,
            "true",
        ],  # fmt: skip
        "trials": trials,
        "restarts": restarts,
        "goal_first_gap_ms": GOAL_FIRST_GAP_MS,
        "ratio_first_gap_median": gap_ratio,
        "engines": {
            label: {
                "gap_medians_ms": medians[label],
                "trials_gaps_ms": [[round(g, 2) for g in t] for t in gaps.trials],
                "errors": gaps.errors,
            }
            for label, gaps in results.items()
        },
        "environment": environment(),
    }
    console.print(f"wrote {write_json(output, payload)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5, help="containers per engine (default 5)")
    parser.add_argument("--restarts", type=int, default=3, help="gaps per container (default 3)")
    add_engine_options(parser, output_name="restart_gap.json")
    args = parser.parse_args(argv)
    if args.trials < 1 or args.restarts < 1:
        parser.error("--trials and --restarts must be ≥ 1")
    results = measure_on_engines(
        args, lambda endpoints: measure(endpoints, trials=args.trials, restarts=args.restarts)
    )
    if results is None:
        return 1
    report(results, trials=args.trials, restarts=args.restarts, output=args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
