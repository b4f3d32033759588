"""daemon.json and flags: Docker's key names, refused typos, refused TCP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockyard.config import build_config, parse_host
from dockyard.errors import ConfigError


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "daemon.json"
    path.write_text(json.dumps(data))
    return path


def test_defaults_need_no_file(tmp_path: Path) -> None:
    config = build_config({}, tmp_path / "missing.json")
    assert config.data_root == Path("/var/lib/dockyard")
    assert config.host == Path("/run/dockyard.sock")
    assert config.live_restore is False


def test_docker_key_names_are_read(tmp_path: Path) -> None:
    path = write(tmp_path, {"data-root": "/tmp/dy-x", "live-restore": True, "log-level": "warn"})
    config = build_config({}, path)
    assert (config.data_root, config.live_restore, config.log_level) == (
        Path("/tmp/dy-x"),
        True,
        "warn",
    )


def test_unknown_keys_are_refused_with_dockers_message(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        build_config({}, write(tmp_path, {"live-restroe": True}))
    assert str(err.value) == (
        "the following directives don't match any configuration option: live-restroe"
    )


def test_bad_values_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="invalid value for 'live-restore'"):
        build_config({}, write(tmp_path, {"live-restore": "yes"}))


def test_a_key_given_as_flag_and_in_the_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="specified both as a flag and in the configuration"):
        build_config({"data-root": "/a"}, write(tmp_path, {"data-root": "/b"}))


def test_tcp_hosts_are_refused() -> None:
    with pytest.raises(ConfigError, match="refusing to listen on tcp://0.0.0.0:2375"):
        parse_host("tcp://0.0.0.0:2375")
    assert parse_host("unix:///tmp/dy.sock") == Path("/tmp/dy.sock")


def test_malformed_json_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "daemon.json"
    path.write_text("{nope")
    with pytest.raises(ConfigError, match="unable to configure the Docker daemon with file"):
        build_config({}, path)
