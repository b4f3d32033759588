"""Fixtures for end-to-end tests: a shared private engine and a factory for throwaway ones."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.e2e.engine_harness import Engine, new_engine_root

pytestmark = pytest.mark.e2e


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            if os.geteuid() != 0:
                item.add_marker(pytest.mark.skip(reason="end-to-end tests need root"))


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    """One engine for the many tests that do not restart or crash it."""
    eng = Engine(new_engine_root())
    try:
        eng.start()
        eng.import_busybox()
        yield eng
    finally:
        eng.remove_all_containers()
        eng.stop()
        eng.sweep()


@pytest.fixture
def make_engine() -> Iterator[Callable[..., Engine]]:
    """Engines a test may restart, crash or configure; all swept afterwards."""
    made: list[Engine] = []

    def factory(
        *,
        extra_args: list[str] | None = None,
        config: dict[str, Any] | None = None,
        busybox: bool = True,
    ) -> Engine:
        eng = Engine(new_engine_root(), extra_args=extra_args, config=config)
        made.append(eng)
        eng.start()
        if busybox:
            eng.import_busybox()
        return eng

    try:
        yield factory
    finally:
        for eng in made:
            if eng.proc is None:
                with contextlib.suppress(AssertionError):
                    eng.start()
            eng.remove_all_containers()
            eng.stop()
            eng.sweep()


@pytest.fixture
def name() -> str:
    """A container name unique to the test."""
    return f"dy-{secrets.token_hex(4)}"
