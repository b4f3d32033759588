"""The runtime package's public surface is exactly its ``__all__``."""

from __future__ import annotations

import dockyard.runtime as runtime


def test_every_exported_name_exists() -> None:
    assert all(hasattr(runtime, name) for name in runtime.__all__)


def test_the_engine_facing_names_are_exported() -> None:
    assert {"ShimRuntime", "RuntimeRegistry", "TaskState", "ShimHandle", "TaskIO"} <= set(
        runtime.__all__
    )
