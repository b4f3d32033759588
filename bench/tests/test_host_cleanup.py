"""Safety rails of the cleanup code: only our own cgroups and processes are touched."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from bench.daemon_process import recorded_pid_if_alive, write_pid_record
from bench.host_cleanup import LeftoverShim, remove_cgroup_tree


def test_a_cgroup_without_our_prefix_is_never_removed() -> None:
    with pytest.raises(ValueError, match="not ours"):
        remove_cgroup_tree("system.slice")


def test_a_pid_record_of_a_running_process_is_alive(tmp_path: Path) -> None:
    record = tmp_path / "self.bench-pid"
    write_pid_record(record, os.getpid())
    assert recorded_pid_if_alive(record) == os.getpid()


def test_a_pid_record_of_an_exited_process_is_not_alive(tmp_path: Path) -> None:
    proc = subprocess.Popen(["true"])
    record = tmp_path / "true.bench-pid"
    write_pid_record(record, proc.pid)
    proc.wait()
    assert recorded_pid_if_alive(record) is None


def test_a_shim_socket_is_named_like_containerd_names_it() -> None:
    # Observed on this host: a containerd-shim-runc-v2 started with these flags listened here.
    shim = LeftoverShim(
        pid=1,
        address="/tmp/dy-bench-aae64ee6/dockyard/exec/containerd.sock",
        namespace="dockyard",
        container_id="a6a8b9c242e77825052afe72b8ee8822b19732fd533be07b8a4665440141e9f9",
    )
    assert shim.socket_path() == Path(
        "/run/containerd/s/9d9101534ad1e4145597c91e672e79494b8bf4769ef5fb68c75563e119e13928"
    )
