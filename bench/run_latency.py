"""How long ``docker run --rm --network none busybox true`` takes against each engine.

The real docker CLI is timed end to end (create, attach, start, wait, remove), which is what a
user feels. Runs are interleaved and the order flips every round, so drift on the machine
(page cache, a neighbour's load) lands on both engines alike. Goal: dockyard ≤ 0.6× dockerd.

    python -m bench.run_latency [-n 20] [--warmup 2] [--engines dockyard,dockerd]
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import IMAGE, EngineEndpoint
from bench.harness import add_engine_options, measure_on_engines
from bench.summary import (
    console,
    environment,
    print_failures,
    ratio,
    summarize,
    summary_dict,
    summary_table,
    write_json,
)

log = logging.getLogger("bench")
GOAL_RATIO = 0.6
RUN_ARGS = ("run", "--rm", "--network", "none", IMAGE, "true")
RUN_TIMEOUT_S = 120.0


@dataclass
class EngineSamples:
    """What one engine produced: successful durations and the errors of failed runs."""

    samples_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def timed_run(endpoint: EngineEndpoint) -> tuple[float, str | None]:
    """Duration of one ``docker run`` in ms, and its error text when it did not exit 0."""
    command = endpoint.command(*RUN_ARGS)
    env = endpoint.env()
    started = time.perf_counter()
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, env=env
        )
    except subprocess.TimeoutExpired:
        return (time.perf_counter() - started) * 1000.0, f"timed out after {RUN_TIMEOUT_S:.0f}s"
    elapsed_ms = (time.perf_counter() - started) * 1000.0
    if result.returncode != 0:
        return elapsed_ms, f"exit {result.returncode}: {result.stderr.strip()[-500:]}"
    return elapsed_ms, None


def measure(
    endpoints: dict[str, EngineEndpoint], *, n: int, warmup: int
) -> dict[str, EngineSamples]:
    """Warm each engine up, then ``n`` interleaved rounds; an engine failing half its runs stops."""
    results = {label: EngineSamples() for label in endpoints}
    for label, endpoint in endpoints.items():
        for _ in range(warmup):
            _, error = timed_run(endpoint)
            if error:
                log.warning("%s warm-up run failed: %s", label, error)
    active = list(endpoints)
    for round_index in range(n):
        order = active if round_index % 2 == 0 else list(reversed(active))
        for label in order:
            elapsed_ms, error = timed_run(endpoints[label])
            if error is None:
                results[label].samples_ms.append(elapsed_ms)
            else:
                log.warning("%s run %d failed: %s", label, round_index, error)
                results[label].errors.append(error)
        active = [label for label in active if len(results[label].errors) <= n // 2]
        if not active:
            break
    return results


def report(results: dict[str, EngineSamples], *, n: int, warmup: int, output: Path) -> None:
    summaries = {label: summarize(r.samples_ms) for label, r in results.items()}
    failures = {label: len(r.errors) for label, r in results.items()}
    title = f"docker run --rm --network none {IMAGE} true  (n={n}, warm-up={warmup})"
    console.print(summary_table(title, summaries, failures))
    run_ratio = ratio(summaries.get("dockyard"), summaries.get("dockerd"))
    if run_ratio is None:
        console.print(f"ratio dockyard/dockerd: n/a   (goal ≤ {GOAL_RATIO}×)")
    else:
        verdict = "met" if run_ratio <= GOAL_RATIO else "not met"
        console.print(f"ratio dockyard/dockerd (median): {run_ratio:.2f}×   "
                      f"(goal ≤ {GOAL_RATIO}×: {verdict})")  # fmt: skip
    print_failures({label: r.errors for label, r in results.items()})
    payload = {
        "benchmark": "run_latency",
        "command": ["docker", *RUN_ARGS],
        "n": n,
        "warmup": warmup,
        "goal_ratio": GOAL_RATIO,
        "ratio_median": run_ratio,
        "engines": {
            label: {
                "summary": summary_dict(summaries[label]),
                "samples_ms": [round(s, 2) for s in r.samples_ms],
                "errors": r.errors,
            }
            for label, r in results.items()
        },
        "environment": environment(),
    }
    console.print(f"wrote {write_json(output, payload)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="measured runs per engine (default 20)")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured runs first (default 2)")
    add_engine_options(parser, output_name="run_latency.json")
    args = parser.parse_args(argv)
    if args.n < 1 or args.warmup < 0:
        parser.error("-n must be ≥ 1 and --warmup ≥ 0")
    results = measure_on_engines(
        args, lambda endpoints: measure(endpoints, n=args.n, warmup=args.warmup)
    )
    if results is None:
        return 1
    report(results, n=args.n, warmup=args.warmup, output=args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
