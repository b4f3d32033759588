"""The one exception tree of dockyard.

Lower layers raise; they never return ``False`` or ``""`` to signal failure. The API layer maps
each family to a Docker status code in exactly one table (``dockyard.api.errors``), so a new
error only has to pick the right parent here to get the right HTTP status::

    DockyardError                      500  anything unexpected
    ├── InvalidParameter               400  bad input from the client
    ├── NotFound                       404  no such container / image / exec / network
    ├── Conflict                       409  name in use, container running, ...
    ├── NotModified                    304  already started / already stopped
    ├── Forbidden                      403  operation refused on this object
    ├── NotImplementedByEngine         501  an API the engine does not offer
    ├── RuntimeFailure                 500  the shim / OCI runtime refused (start errors)
    └── ConfigError                    (start-up only) daemon.json or flags are invalid

Messages are Docker's wording wherever Docker has one, because clients (and users' scripts)
match on them.
"""

from __future__ import annotations


class DockyardError(Exception):
    """Base of every error dockyard raises on purpose."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidParameter(DockyardError):
    status = 400


class NotFound(DockyardError):
    status = 404


class Conflict(DockyardError):
    status = 409


class NotModified(DockyardError):
    status = 304


class Forbidden(DockyardError):
    status = 403


class NotImplementedByEngine(DockyardError):
    status = 501


class RuntimeFailure(DockyardError):
    """The shim or the OCI runtime failed; the message is what it said."""

    status = 500


class ConfigError(DockyardError):
    """Invalid daemon configuration; only raised while loading config."""


def no_such_container(ref: str) -> NotFound:
    return NotFound(f"No such container: {ref}")


def no_such_image(ref: str) -> NotFound:
    return NotFound(f"No such image: {ref}")


def no_such_exec(ref: str) -> NotFound:
    return NotFound(f"No such exec instance: {ref}")
