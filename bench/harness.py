"""The frame every benchmark runs in: its shared flags, logging, SIGTERM, private engines.

A benchmark's ``main`` adds its own flags, then hands its measuring function to
``measure_on_engines``; a setup failure is printed once here, the same way for all of them.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bench.common import (
    RESULTS_DIR,
    BenchSetupError,
    EngineEndpoint,
    exit_cleanly_on_sigterm,
    parse_engines,
    running_engines,
)
from bench.daemon_process import DaemonStartError
from bench.summary import console

Results = TypeVar("Results")


def add_engine_options(parser: argparse.ArgumentParser, *, output_name: str) -> None:
    """``--engines``, ``--output`` (default ``bench/results/<output_name>``) and ``-v``."""
    parser.add_argument("--engines", type=parse_engines, default=["dockyard", "dockerd"])
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / output_name)
    parser.add_argument("-v", "--verbose", action="store_true")


def measure_on_engines(
    args: argparse.Namespace, measure: Callable[[dict[str, EngineEndpoint]], Results]
) -> Results | None:
    """Run ``measure`` against freshly started engines, torn down even on SIGTERM.

    ``None`` (after printing why) when the engines could not be set up.
    """
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(message)s")  # fmt: skip
    exit_cleanly_on_sigterm()
    try:
        with running_engines(args.engines) as endpoints:
            return measure(endpoints)
    except (BenchSetupError, DaemonStartError) as exc:
        console.print(f"[red]setup failed[/red]: {exc}", highlight=False)
        return None
