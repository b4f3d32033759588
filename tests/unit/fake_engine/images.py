"""In-memory ``ImageService``: images are content hashes with tags; ``busybox:latest`` exists."""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator
from typing import Any

from dockyard.errors import no_such_image


class FakeImages:
    def __init__(self) -> None:
        self.images: dict[str, dict[str, Any]] = {}
        self.add("busybox:latest", b"busybox", cmd=["sh"])

    def add(self, ref: str, content: bytes, *, cmd: list[str] | None = None) -> str:
        image_id = "sha256:" + hashlib.sha256(content).hexdigest()
        image = self.images.setdefault(
            image_id,
            {"Id": image_id, "RepoTags": [], "Created": int(time.time()), "Size": len(content)},
        )
        image.setdefault("Config", {"Cmd": cmd or ["sh"], "Env": ["PATH=/usr/bin:/bin"]})
        if ref:
            self.untag(ref)
            image["RepoTags"].append(ref)
        return image_id

    def untag(self, ref: str) -> None:
        for image in self.images.values():
            if ref in image["RepoTags"]:
                image["RepoTags"].remove(ref)

    def resolve(self, name: str) -> dict[str, Any]:
        ref = name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"
        for image in self.images.values():
            if ref in image["RepoTags"] or image["Id"] in (name, "sha256:" + name):
                return image
        found = [
            i for i in self.images.values() if i["Id"][7:].startswith(name.removeprefix("sha256:"))
        ]
        if len(name) >= 4 and len(found) == 1:
            return found[0]
        raise no_such_image(name)

    async def import_image(
        self, body: AsyncIterator[bytes], *, repo: str, tag: str, changes: list[str], message: str
    ) -> str:
        data = b"".join([chunk async for chunk in body])
        return self.add(f"{repo}:{tag or 'latest'}" if repo else "", data)

    async def load(self, body: AsyncIterator[bytes]) -> list[str]:
        data = b"".join([chunk async for chunk in body])
        self.add("loaded:latest", data)
        return ["Loaded image: loaded:latest"]

    async def save(self, names: list[str]) -> AsyncIterator[bytes]:
        images = [self.resolve(name) for name in names]
        for image in images:
            yield f"tar-of-{image['Id']}".encode()

    def list_images(self, *, all: bool, filters: dict[str, list[str]]) -> list[dict[str, Any]]:
        wanted = filters.get("reference", [])
        return [
            {
                "Containers": -1,
                "Labels": None,
                "ParentId": "",
                "RepoDigests": [],
                "SharedSize": -1,
                **{k: v for k, v in image.items() if k != "Config"},
            }
            for image in self.images.values()
            if not wanted
            or any(t.split(":")[0] in wanted or t in wanted for t in image["RepoTags"])
        ]

    def inspect_image(self, name: str) -> dict[str, Any]:
        image = self.resolve(name)
        created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(image["Created"]))
        return {**image, "Created": created, "Os": "linux", "Architecture": "amd64"}

    def tag(self, name: str, repo: str, tag: str) -> None:
        image = self.resolve(name)
        self.untag(f"{repo}:{tag or 'latest'}")
        image["RepoTags"].append(f"{repo}:{tag or 'latest'}")

    def remove_image(self, name: str, *, force: bool, noprune: bool) -> list[dict[str, str]]:
        image = self.resolve(name)
        if name in image["RepoTags"] and len(image["RepoTags"]) > 1:
            image["RepoTags"].remove(name)
            return [{"Untagged": name}]
        del self.images[image["Id"]]
        return [{"Untagged": t} for t in image["RepoTags"]] + [{"Deleted": image["Id"]}]
