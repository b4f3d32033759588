"""The real docker CLI against dockyardd: import, images, inspect, save, load, tag, rmi."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.engine_harness import Engine

pytestmark = pytest.mark.e2e


def busybox_tar(engine: Engine) -> Path:
    from dockyard.images.busybox import busybox_rootfs_tar

    path = engine.root / "bb-cli.tar"
    return path if path.exists() else busybox_rootfs_tar(path)


def test_import_with_changes_shows_in_inspect(engine: Engine) -> None:
    tar = busybox_tar(engine)
    engine.docker(
        "import", "-c", 'CMD ["/bin/sh"]', "-c", "ENV A=1", str(tar), "dy-imp:1", check=True
    )
    config = json.loads(engine.docker("image", "inspect", "dy-imp:1", check=True).stdout)[0]
    assert config["Config"]["Cmd"] == ["/bin/sh"] and config["Config"]["Env"] == ["A=1"]
    assert config["Comment"] == "Imported from -"


def test_import_with_an_unsupported_change_fails_with_dockers_message(engine: Engine) -> None:
    result = engine.docker("import", "-c", "RUN true", str(busybox_tar(engine)), "dy-bad:1")
    assert result.returncode != 0 and "RUN is not a valid change command" in result.stderr


def test_images_lists_the_imported_tag(engine: Engine) -> None:
    engine.docker("import", str(busybox_tar(engine)), "dy-list:7", check=True)
    out = engine.docker("images", "--format", "{{.Repository}}:{{.Tag}}", "dy-list", check=True)
    assert out.stdout.split() == ["dy-list:7"]


def test_save_then_load_restores_the_same_image(engine: Engine) -> None:
    engine.docker("import", "-c", "USER nobody", str(busybox_tar(engine)), "dy-rt:1", check=True)
    before = engine.docker("image", "inspect", "-f", "{{.Id}}", "dy-rt:1", check=True).stdout
    archive = engine.root / "dy-rt.tar"
    engine.docker("save", "-o", str(archive), "dy-rt:1", check=True)
    engine.docker("rmi", "dy-rt:1", check=True)
    loaded = engine.docker("load", "-i", str(archive), check=True)
    assert "Loaded image: dy-rt:1" in loaded.stdout
    after = engine.docker("image", "inspect", "-f", "{{.Id}}", "dy-rt:1", check=True).stdout
    assert after == before


def test_tag_then_rmi_untags_before_deleting(engine: Engine) -> None:
    engine.docker("import", "-c", "USER 1", str(busybox_tar(engine)), "dy-tag:1", check=True)
    engine.docker("tag", "dy-tag:1", "dy-tag:2", check=True)
    first = engine.docker("rmi", "dy-tag:1", check=True).stdout
    assert first.split() == ["Untagged:", "dy-tag:1"]
    second = engine.docker("rmi", "dy-tag:2", check=True).stdout
    assert "Untagged: dy-tag:2" in second and "Deleted: sha256:" in second


def test_rmi_of_a_missing_image_says_no_such_image(engine: Engine) -> None:
    result = engine.docker("rmi", "dy-ghost")
    assert result.returncode != 0 and "No such image: dy-ghost:latest" in result.stderr


def test_a_container_runs_on_the_imported_rootfs(engine: Engine) -> None:
    result = engine.docker("run", "--rm", "busybox", "cat", "/etc/passwd", check=True)
    assert result.stdout.startswith("root:x:0:0:")


def _evil_tar(path: Path, target: Path) -> Path:
    import io
    import tarfile

    with tarfile.open(path, "w") as tar:
        ok = tarfile.TarInfo("bin/fine")
        ok.size = 2
        tar.addfile(ok, io.BytesIO(b"ok"))
        escape = tarfile.TarInfo(f"../../../../../../..{target}")
        escape.size = 5
        tar.addfile(escape, io.BytesIO(b"owned"))
    return path


def test_a_tar_slip_import_is_refused_and_leaves_nothing(engine: Engine) -> None:
    target = engine.root / "dy-slip-target"
    images_before = engine.docker("images", "-q", "--no-trunc").stdout
    layers_dir = engine.data_root / "images"
    files_before = sorted(p for p in layers_dir.rglob("*"))
    result = engine.docker("import", str(_evil_tar(engine.root / "evil.tar", target)), "dy-evil")
    assert result.returncode != 0
    assert not target.exists()
    assert engine.docker("images", "-q", "--no-trunc").stdout == images_before
    assert sorted(p for p in layers_dir.rglob("*")) == files_before
