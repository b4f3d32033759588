"""Run the same shell lines against dockyard and a private dockerd and print both outputs.

Not a benchmark: a side-by-side check of observable behaviour (output, errors, exit codes).
Each non-empty line of a scenario file is one bash command line; its first ``docker `` and
every ``DOCKER`` are replaced by the docker CLI pointed at the engine under test.

    python -m bench.compare bench/scenarios/restart.txt
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from bench.common import running_engines


def command_for(line: str, cli: str) -> str:
    line = line.replace("DOCKER", cli)
    return line.replace("docker ", cli + " ", 1) if line.startswith("docker ") else line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__)
    parser.add_argument("scenario", type=Path, help="file with one shell command line per line")
    args = parser.parse_args(argv)
    lines = [ln.rstrip("\n") for ln in args.scenario.read_text().splitlines() if ln.strip()]
    with running_engines() as engines:
        for line in lines:
            print("=" * 100)
            print("$", line)
            for label, endpoint in engines.items():
                cli = " ".join(endpoint.command())
                result = subprocess.run(
                    ["bash", "-c", command_for(line, cli)],
                    capture_output=True,
                    text=True,
                    env=endpoint.env(),
                    timeout=120,
                )
                print(f"--- {label} rc={result.returncode}")
                print(result.stdout.rstrip())
                if result.stderr.strip():
                    print("stderr:", result.stderr.rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
