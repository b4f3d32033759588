"""Image references the way the CLI needs them: repository and tag, `:latest` by default."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_TAG = "latest"


@dataclass(frozen=True, kw_only=True)
class Reference:
    repository: str
    tag: str
    digest: str = ""

    @property
    def familiar(self) -> str:
        """`repo:tag` (or `repo@digest`), as docker prints it in messages."""
        if self.digest:
            return f"{self.repository}@{self.digest}"
        return f"{self.repository}:{self.tag}"


def split_reference(reference: str, *, default_tag: str = DEFAULT_TAG) -> Reference:
    """Split `name[:tag][@digest]`; a colon before the last `/` is a registry port, not a tag."""
    name, at, digest = reference.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        return Reference(repository=name[:colon], tag=name[colon + 1 :], digest=digest)
    return Reference(repository=name, tag="" if at else default_tag, digest=digest)


_DEFAULT_REGISTRIES = ("docker.io/", "index.docker.io/")


def familiar_name(repository: str) -> str:
    """Drop the implied Docker Hub registry and `library/`, as docker prints names."""
    for registry in _DEFAULT_REGISTRIES:
        if repository.startswith(registry):
            repository = repository[len(registry) :]
            break
    else:
        return repository
    if repository.startswith("library/") and repository.count("/") == 1:
        repository = repository[len("library/") :]
    return repository
