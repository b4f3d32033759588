"""RuntimeRegistry: runtime names → shim binary and options, with Docker's messages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dockyard import errors
from dockyard.runtime.proto import runc_options_pb2
from dockyard.runtime.registry import RuntimeRegistry, shim_binary_name


def install_shim(directory: Path, name: str) -> Path:
    binary = directory / name
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    return binary


@pytest.fixture
def registry(tmp_path: Path) -> RuntimeRegistry:
    install_shim(tmp_path, "containerd-shim-runc-v2")
    return RuntimeRegistry(exec_root=Path("/run/dy-engine"), search_path=str(tmp_path))


@pytest.mark.parametrize("name", ["runc", "io.containerd.runc.v2"])
def test_stock_names_run_the_runc_shim(
    registry: RuntimeRegistry, tmp_path: Path, name: str
) -> None:
    assert registry.resolve(name).shim == str(tmp_path / "containerd-shim-runc-v2")


def test_stock_runc_options_name_runc_and_the_exec_root_state_dir(
    registry: RuntimeRegistry,
) -> None:
    resolved = registry.resolve("runc")
    options = runc_options_pb2.Options.FromString(resolved.options)
    assert resolved.options_type_url == "containerd.runc.v1.Options"
    assert (options.binary_name, options.root) == ("runc", "/run/dy-engine/runtime-runc")


def test_without_an_exec_root_the_runc_state_dir_is_left_to_the_runtime(tmp_path: Path) -> None:
    install_shim(tmp_path, "containerd-shim-runc-v2")
    resolved = RuntimeRegistry(search_path=str(tmp_path)).resolve("runc")
    assert runc_options_pb2.Options.FromString(resolved.options).root == ""


def test_describe_lists_the_stock_runtimes_with_path_runc(registry: RuntimeRegistry) -> None:
    assert registry.describe() == {
        "runc": {"path": "runc"},
        "io.containerd.runc.v2": {"path": "runc"},
    }


def test_a_shim_shaped_name_resolves_to_its_binary_on_path(
    registry: RuntimeRegistry, tmp_path: Path
) -> None:
    install_shim(tmp_path, "containerd-shim-kata-v2")
    resolved = registry.resolve("io.containerd.kata.v2")
    assert (resolved.shim, resolved.options_type_url) == (
        str(tmp_path / "containerd-shim-kata-v2"),
        "",
    )


def test_a_shim_that_is_not_installed_fails_with_containerds_message(
    registry: RuntimeRegistry,
) -> None:
    with pytest.raises(errors.RuntimeFailure) as caught:
        registry.resolve("io.containerd.x.v1")
    assert caught.value.message == (
        'failed to start shim: failed to resolve runtime path: runtime "io.containerd.x.v1" '
        'binary not installed "containerd-shim-x-v1": file does not exist: unknown'
    )


def test_an_unknown_name_is_rejected_with_dockers_message(registry: RuntimeRegistry) -> None:
    with pytest.raises(errors.InvalidParameter, match="^unknown or invalid runtime name: foo$"):
        registry.validate("foo")


@pytest.mark.parametrize("name", ["/usr/bin/runc", "io.containerd/x.v2", ".hidden.v2"])
def test_paths_and_leading_dots_are_not_runtime_names(registry: RuntimeRegistry, name: str) -> None:
    with pytest.raises(errors.InvalidParameter):
        registry.resolve(name)


def test_a_shim_shaped_name_passes_validation_before_it_is_installed(
    registry: RuntimeRegistry,
) -> None:
    registry.validate("io.containerd.notyet.v2")


@pytest.mark.parametrize(
    ("name", "binary"),
    [
        ("io.containerd.runc.v2", "containerd-shim-runc-v2"),
        ("io.containerd.runsc.v1", "containerd-shim-runsc-v1"),
        ("io.foo.bar.runc2.v2.baz", "containerd-shim-v2-baz"),
    ],
)
def test_the_shim_binary_is_named_from_the_last_two_parts(name: str, binary: str) -> None:
    assert shim_binary_name(name) == binary


def test_without_a_search_path_the_process_path_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_shim(tmp_path, "containerd-shim-runc-v2")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}/nonexistent")
    assert RuntimeRegistry(exec_root=tmp_path).resolve("runc").shim == str(
        tmp_path / "containerd-shim-runc-v2"
    )
