"""Image verbs: images, rmi, tag, import, load and save against a scripted engine."""

from __future__ import annotations

import io
import json
import os
import tarfile
import time
from pathlib import Path

import pytest

from tests.unit.test_cli_stub_engine import StubEngine, run_dockyard

IMAGE_ID = "sha256:" + "d" * 64


@pytest.fixture
def rootfs_tar(tmp_path: Path) -> Path:
    path = tmp_path / "rootfs.tar"
    with tarfile.open(path, "w") as archive:
        data = b"#!/bin/sh\n"
        member = tarfile.TarInfo("bin/hello")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    return path


def image(**overrides: object) -> dict[str, object]:
    base = {
        "Id": IMAGE_ID,
        "RepoTags": ["bb:latest"],
        "Created": int(time.time()) - 7200,
        "Size": 1_234_567,
    }
    return {**base, **overrides}


def test_images_prints_a_docker_table(stub: StubEngine) -> None:
    stub.reply("GET", "/images/json", json_body=[image()])
    assert run_dockyard(stub, "images").stdout.splitlines() == [
        "REPOSITORY   TAG       IMAGE ID       CREATED       SIZE",
        "bb           latest    dddddddddddd   2 hours ago   1.23MB",
    ]


def test_images_quiet_prints_each_id_once(stub: StubEngine) -> None:
    stub.reply("GET", "/images/json", json_body=[image(RepoTags=["bb:1", "bb:2"])])
    assert run_dockyard(stub, "images", "-q").stdout == "dddddddddddd\n"


def test_images_with_a_reference_filters_by_it(stub: StubEngine) -> None:
    stub.reply("GET", "/images/json", json_body=[])
    run_dockyard(stub, "images", "-a", "bb")
    call = stub.calls("GET", "/images/json")[0]
    assert call.param("all") == "1"
    assert json.loads(call.param("filters") or "") == {"reference": {"bb": True}}


def test_image_inspect_prints_a_json_array(stub: StubEngine) -> None:
    stub.reply("GET", "/images/bb/json", json_body={"Id": IMAGE_ID})
    result = run_dockyard(stub, "image", "inspect", "bb")
    assert json.loads(result.stdout) == [{"Id": IMAGE_ID}]


def test_tag_splits_the_target_into_repo_and_tag(stub: StubEngine) -> None:
    stub.reply("POST", "/images/bb/tag", status=201)
    run_dockyard(stub, "tag", "bb", "localhost:5000/team/bb:v2")
    call = stub.calls("POST", "/images/bb/tag")[0]
    assert (call.param("repo"), call.param("tag")) == ("localhost:5000/team/bb", "v2")


def test_rmi_prints_what_was_untagged_and_deleted(stub: StubEngine) -> None:
    stub.reply("DELETE", "/images/bb", json_body=[{"Untagged": "bb:latest"}, {"Deleted": IMAGE_ID}])
    assert run_dockyard(stub, "rmi", "bb").stdout == f"Untagged: bb:latest\nDeleted: {IMAGE_ID}\n"


def test_import_streams_the_file_with_repo_changes_and_message(
    stub: StubEngine, rootfs_tar: Path
) -> None:
    stub.reply("POST", "/images/create", json_body={"status": IMAGE_ID})
    result = run_dockyard(
        stub, "import", "-c", 'CMD ["/bin/hello"]', "-m", "first", str(rootfs_tar), "hello:v1"
    )
    call = stub.calls("POST", "/images/create")[0]
    assert (result.status, result.stdout) == (0, IMAGE_ID + "\n")
    assert call.query == {
        "fromSrc": ["-"],
        "repo": ["hello:v1"],
        "message": ["first"],
        "changes": ['CMD ["/bin/hello"]'],
    }
    assert call.body == rootfs_tar.read_bytes()


def test_import_from_stdin_sends_stdin(stub: StubEngine) -> None:
    stub.reply("POST", "/images/create", json_body={"status": IMAGE_ID})
    run_dockyard(stub, "import", "-", "hello", stdin=b"tar bytes")
    assert stub.calls("POST", "/images/create")[0].body == b"tar bytes"


def test_import_reports_an_error_message_from_the_stream(stub: StubEngine) -> None:
    stub.reply("POST", "/images/create", json_body={"errorDetail": {"message": "not a tar"}})
    result = run_dockyard(stub, "import", "-", stdin=b"junk")
    assert (result.status, result.stderr) == (1, "not a tar\n")


def test_load_prints_the_engine_messages(stub: StubEngine) -> None:
    stub.reply("POST", "/images/load", json_body={"stream": "Loaded image: bb:latest\n"})
    result = run_dockyard(stub, "load", stdin=b"archive")
    assert (result.stdout, stub.calls("POST", "/images/load")[0].body) == (
        "Loaded image: bb:latest\n",
        b"archive",
    )


def test_save_writes_the_archive_to_the_output_file(stub: StubEngine, tmp_path: Path) -> None:
    stub.reply("GET", "/images/get", body=b"tar archive", content_type="application/x-tar")
    target = tmp_path / "bb.tar"
    result = run_dockyard(stub, "save", "-o", str(target), "bb", "alpine")
    assert (result.status, target.read_bytes()) == (0, b"tar archive")
    assert stub.calls("GET", "/images/get")[0].query == {"names": ["bb", "alpine"]}


def test_save_leaves_no_partial_file_when_the_engine_refuses(
    stub: StubEngine, tmp_path: Path
) -> None:
    stub.error("GET", "/images/get", status=404, message="No such image: ghost")
    result = run_dockyard(stub, "save", "-o", str(tmp_path / "x.tar"), "ghost")
    assert (result.status, os.listdir(tmp_path)) == (1, [])
