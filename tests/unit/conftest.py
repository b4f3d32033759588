"""Fixtures several unit-test modules share: a short socket directory, a stub engine, UTC."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.test_cli_stub_engine import StubEngine, serve_stub


@pytest.fixture
def sock_dir() -> Iterator[Path]:
    """A fresh directory under /tmp: pytest's tmp_path can exceed a Unix socket path's limit."""
    path = Path(tempfile.mkdtemp(prefix="dy-ut-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def stub() -> Iterator[StubEngine]:
    """A scripted engine the CLI under test talks to over a Unix socket."""
    with serve_stub() as engine:
        yield engine


@pytest.fixture
def utc_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC for the test, so rendered times do not depend on the host's zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
