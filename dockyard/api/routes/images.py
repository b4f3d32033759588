"""Image endpoints: import (``/images/create?fromSrc=-``), load, save, list, inspect, tag, rm.

Image names contain ``/`` and ``:``, so name routes use ``{name:.+}`` (moby's ``{name:.*}``).
Import and load answer with Docker's JSON-message stream (objects followed by ``\\r\\n``);
errors raised before the first byte are ordinary HTTP errors.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from dockyard.api.context import engine_of
from dockyard.api.params import bool_param, filters_param
from dockyard.api.responses import JSON, empty_ok, json_response
from dockyard.api.versions import at_least
from dockyard.errors import InvalidParameter, NotFound, NotImplementedByEngine

CHUNK = 1 << 16


def json_message(data: dict[str, Any]) -> bytes:
    """One JSON-message stream entry (``streamformatter`` ends each with CRLF)."""
    return json.dumps(data, separators=(",", ":")).encode() + b"\r\n"


def familiar_name(reference: str) -> str:
    """``docker.io/library/busybox:latest`` → ``busybox`` (Docker's ``FamiliarName``)."""
    name = reference.split("@", 1)[0]
    slash = name.rfind("/")
    if name.rfind(":") > slash:
        name = name[: name.rfind(":")]
    for prefix in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return name.removeprefix("library/") if name.count("/") == 1 else name


def split_repo_tag(repo: str, tag: str) -> tuple[str, str]:
    """The CLI puts ``name:tag`` in ``repo``; moby's ``RepoTagReference`` splits it."""
    if repo and not tag and repo.rfind(":") > repo.rfind("/"):
        repo, _, tag = repo.rpartition(":")
    return repo, tag


async def _body_chunks(request: web.Request) -> AsyncIterator[bytes]:
    async for chunk in request.content.iter_chunked(CHUNK):
        yield chunk


async def create(request: web.Request) -> web.StreamResponse:
    from_image = request.query.get("fromImage", "")
    if from_image:
        # No registry client yet: answer what dockerd answers for a repository it cannot pull.
        raise NotFound(
            f"pull access denied for {familiar_name(from_image.rstrip(':'))}, repository does "
            "not exist or may require 'docker login'"
        )
    source = request.query.get("fromSrc", "")
    if source != "-":
        if not source:
            raise InvalidParameter("either fromImage or fromSrc must be specified")
        raise NotImplementedByEngine("importing from a URL is not supported")
    repo, tag = split_repo_tag(request.query.get("repo", ""), request.query.get("tag", ""))
    image_id = await engine_of(request).images.import_image(
        _body_chunks(request),
        repo=repo,
        tag=tag,
        changes=request.query.getall("changes", []),
        message=request.query.get("message") or f"Imported from {source}",
    )
    return web.Response(body=json_message({"status": image_id}), headers={"Content-Type": JSON})


async def load(request: web.Request) -> web.Response:
    loaded = await engine_of(request).images.load(_body_chunks(request))
    body = b"".join(json_message({"stream": line + "\n"}) for line in loaded)
    return web.Response(body=body, headers={"Content-Type": JSON})


async def save(request: web.Request) -> web.StreamResponse:
    name = request.match_info.get("name")
    names = [name] if name else request.query.getall("names", [])
    chunks = aiter(engine_of(request).images.save(names))
    # Pull the first chunk before answering so an unknown image is still a 404.
    first = await anext(chunks, b"")
    response = web.StreamResponse(headers={"Content-Type": "application/x-tar"})
    await response.prepare(request)
    if first:
        await response.write(first)
    async for chunk in chunks:
        await response.write(chunk)
    return response


def _versioned(request: web.Request, image: dict[str, Any]) -> dict[str, Any]:
    if not at_least(request, "1.44") and "VirtualSize" not in image:
        image = {**image, "VirtualSize": image.get("Size", 0)}
    return image


async def list_images(request: web.Request) -> web.Response:
    images = engine_of(request).images.list_images(
        all=bool_param(request, "all"), filters=filters_param(request)
    )
    return json_response([_versioned(request, image) for image in images])


async def inspect(request: web.Request) -> web.Response:
    image = dict(engine_of(request).images.inspect_image(request.match_info["name"]))
    image["RepoTags"] = image.get("RepoTags") or []
    image["RepoDigests"] = image.get("RepoDigests") or []
    return json_response(_versioned(request, image))


async def tag(request: web.Request) -> web.Response:
    repo, tag_name = split_repo_tag(request.query.get("repo", ""), request.query.get("tag", ""))
    engine_of(request).images.tag(request.match_info["name"], repo, tag_name)
    return empty_ok(201)


async def remove(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if not name.strip():
        raise InvalidParameter("image name cannot be blank")
    deleted = engine_of(request).images.remove_image(
        name, force=bool_param(request, "force"), noprune=bool_param(request, "noprune")
    )
    return json_response(deleted)


ROUTES = [
    web.post("/images/create", create),
    web.post("/images/load", load),
    web.get("/images/get", save),
    web.get("/images/json", list_images),
    web.get("/images/{name:.+}/get", save),
    web.get("/images/{name:.+}/json", inspect),
    web.post("/images/{name:.+}/tag", tag),
    web.delete("/images/{name:.+}", remove),
]
