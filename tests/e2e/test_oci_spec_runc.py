"""build_spec's config.json run by real runc on a busybox rootfs: what the process sees.

Host objects are ours and named ``dy…``: one temp dir under /tmp (bundle + runc state), cgroup
``/dockyard-oci-test-<rand>`` which ``runc run`` removes when the container ends; teardown
force-deletes the container and removes any cgroup dir left behind, even on failure.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dockyard.runtime.oci_spec import build_spec
from dockyard.runtime.seccomp import DEFAULT_PROFILE_PATH, load_seccomp_profile

BUSYBOX = Path("/bin/busybox")
APPLETS = ("sh", "grep", "df", "tail", "touch", "stat")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root"),
    pytest.mark.skipif(shutil.which("runc") is None, reason="runc not installed"),
    pytest.mark.skipif(not BUSYBOX.exists(), reason="busybox-static not installed"),
    pytest.mark.skipif(not DEFAULT_PROFILE_PATH.exists(), reason="no default seccomp profile"),
]

Run = Callable[..., str]


@pytest.fixture
def run_in_container() -> Iterator[Run]:
    """Run a shell snippet in a fresh container built by ``build_spec``; return its output."""
    root = Path(tempfile.mkdtemp(prefix="dy-oci-", dir="/tmp"))
    suffix = secrets.token_hex(4)
    container_id, cgroup = f"dy-oci-{suffix}", f"/dockyard-oci-test-{suffix}"
    rootfs = root / "bundle" / "rootfs"
    for sub in ("bin", "etc", "proc", "sys", "dev", "tmp"):
        (rootfs / sub).mkdir(parents=True)
    shutil.copy(BUSYBOX, rootfs / "bin" / "busybox")
    for applet in APPLETS:
        (rootfs / "bin" / applet).symlink_to("busybox")
    (rootfs / "etc" / "passwd").write_text("root:x:0:0:root:/:/bin/sh\n")
    (rootfs / "etc" / "group").write_text("root:x:0:\n")
    profile = load_seccomp_profile(None)

    def run(script: str, **host_config: Any) -> str:
        spec = build_spec(
            container_id=container_id + "0" * 48,
            config={"Cmd": ["/bin/sh", "-c", script]},
            host_config=host_config,
            rootfs=rootfs,
            cgroups_path=cgroup,
            etc_files={},
            seccomp_profile=profile,
            netns_path=None,
        )
        (root / "bundle" / "config.json").write_text(json.dumps(spec))
        done = subprocess.run(
            ["runc", "--root", str(root / "state"), "run", container_id],
            cwd=root / "bundle",
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    try:
        yield run
    finally:
        subprocess.run(
            ["runc", "--root", str(root / "state"), "delete", "--force", container_id],
            capture_output=True,
            check=False,
        )
        for leftover in Path("/sys/fs/cgroup").glob(f"*{cgroup}"):
            leftover.rmdir()
        shutil.rmtree(root, ignore_errors=True)


def test_process_holds_exactly_dockers_fourteen_capabilities(run_in_container: Run) -> None:
    assert "CapEff:\t00000000a80425fb" in run_in_container("grep CapEff /proc/self/status")


def test_process_runs_under_a_seccomp_filter(run_in_container: Run) -> None:
    assert "Seccomp:\t2" in run_in_container("grep Seccomp: /proc/self/status")


def test_masked_proc_file_is_dev_null(run_in_container: Run) -> None:
    assert run_in_container("stat -c %t:%T /proc/timer_list").strip() == "1:3"


def test_dev_shm_is_64_mib(run_in_container: Run) -> None:
    assert run_in_container("df /dev/shm | tail -1").split()[1] == "65536"


def test_readonly_rootfs_refuses_writes(run_in_container: Run) -> None:
    output = run_in_container("touch /x 2>&1; true", ReadonlyRootfs=True)
    assert "Read-only file system" in output


def test_privileged_process_has_no_seccomp_filter(run_in_container: Run) -> None:
    assert "Seccomp:\t0" in run_in_container("grep Seccomp: /proc/self/status", Privileged=True)
