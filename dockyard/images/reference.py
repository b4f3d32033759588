"""Docker image references: parse, normalise, print in the familiar form, match globs.

Docker stores every tag fully qualified (``docker.io/library/busybox:latest``) and shows it
familiar (``busybox:latest``). We keep the familiar string as the key everywhere, because that
is what ``RepoTags``, ``docker images`` and every message print, and normalising on the way in
makes ``busybox``, ``library/busybox`` and ``docker.io/library/busybox`` the same tag.
The grammar and the messages follow github.com/distribution/reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dockyard.errors import InvalidParameter

DEFAULT_TAG = "latest"
DEFAULT_DOMAIN = "docker.io"
OFFICIAL_PREFIX = "library/"
NAME_TOTAL_LENGTH_MAX = 255

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(
    rf"((?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*)(?::({_TAG}))?(?:@({_DIGEST}))?"
)
_TAG_ONLY = re.compile(_TAG)
_IMAGE_ID = re.compile(r"[a-f0-9]{64}")


@dataclass(frozen=True)
class Reference:
    """A parsed reference; ``name`` is fully qualified (``docker.io/library/busybox``)."""

    name: str
    tag: str | None = None
    digest: str | None = None

    @property
    def familiar_name(self) -> str:
        domain, _, rest = self.name.partition("/")
        if domain != DEFAULT_DOMAIN:
            return self.name
        if rest.startswith(OFFICIAL_PREFIX) and rest.count("/") == 1:
            return rest[len(OFFICIAL_PREFIX) :]
        return rest

    def familiar(self) -> str:
        """``busybox:latest`` / ``example.com/x@sha256:...``, as Docker prints references."""
        out = self.familiar_name
        if self.tag is not None:
            out += ":" + self.tag
        if self.digest is not None:
            out += "@" + self.digest
        return out

    def with_default_tag(self) -> Reference:
        if self.tag is None and self.digest is None:
            return Reference(name=self.name, tag=DEFAULT_TAG)
        return self


def is_image_id(value: str) -> bool:
    """A full 64-hex image ID (without ``sha256:``); Docker never reads it as a name."""
    return _IMAGE_ID.fullmatch(value) is not None


def parse_normalized(value: str) -> Reference:
    """Parse like ``reference.ParseNormalizedNamed``: a name, optionally ``:tag`` / ``@digest``."""
    if is_image_id(value):
        raise InvalidParameter(
            f"invalid repository name ({value}), cannot specify 64-byte hexadecimal strings"
        )
    domain, remainder = _split_domain(value)
    remote = remainder.split(":", 1)[0].split("@", 1)[0]
    if remote.lower() != remote:
        raise InvalidParameter(
            f"invalid reference format: repository name ({remote}) must be lowercase"
        )
    match = _REFERENCE.fullmatch(f"{domain}/{remainder}")
    if match is None:
        raise InvalidParameter("invalid reference format")
    name, tag, digest = match.group(1), match.group(2), match.group(3)
    if len(name) > NAME_TOTAL_LENGTH_MAX:
        raise InvalidParameter(
            f"repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"
        )
    return Reference(name=name, tag=tag, digest=digest)


def parse_tagged(repo: str, tag: str = "") -> Reference:
    """``repo`` (which may carry its own tag) plus an optional ``tag``, default ``latest``.

    This is ``httputils.RepoTagReference``: what import, tag and load use to name a target.
    Digests cannot name a target.
    """
    ref = parse_normalized(repo)
    if ref.digest is not None:
        raise InvalidParameter("refusing to create a tag with a digest reference")
    if tag:
        if _TAG_ONLY.fullmatch(tag) is None:
            raise InvalidParameter("invalid tag format")
        ref = Reference(name=ref.name, tag=tag)
    return ref.with_default_tag()


def familiar_match(pattern: str, ref: Reference) -> bool:
    """``reference.FamiliarMatch``: Go ``path.Match`` on ``name:tag``, then on the name alone."""
    regex = _glob_regex(pattern)
    if regex.fullmatch(ref.familiar()):
        return True
    return regex.fullmatch(ref.familiar_name) is not None


def _split_domain(value: str) -> tuple[str, str]:
    first, sep, rest = value.partition("/")
    if not sep or (
        "." not in first and ":" not in first and first != "localhost" and first.lower() == first
    ):
        domain, remainder = DEFAULT_DOMAIN, value
    else:
        domain, remainder = first, rest
    if domain == "index.docker.io":
        domain = DEFAULT_DOMAIN
    if domain == DEFAULT_DOMAIN and "/" not in remainder:
        remainder = OFFICIAL_PREFIX + remainder
    return domain, remainder


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Translate a Go ``path.Match`` pattern: ``*``/``?`` stop at ``/``, ``[^...]`` negates."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "\\":
            if i + 1 >= n:
                raise InvalidParameter("syntax error in pattern")
            i += 1
            out.append(re.escape(pattern[i]))
        elif c == "[":
            end, cls = _glob_class(pattern, i + 1)
            out.append(cls)
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out))


def _glob_class(pattern: str, i: int) -> tuple[int, str]:
    """Parse ``[...]`` starting after the bracket; return (index of ``]``, regex class)."""
    n = len(pattern)
    negate = i < n and pattern[i] == "^"
    if negate:
        i += 1
    items: list[str] = []
    while True:
        if i >= n:
            raise InvalidParameter("syntax error in pattern")
        c = pattern[i]
        if c == "]":
            if not items:
                raise InvalidParameter("syntax error in pattern")
            break
        if c == "\\":
            i += 1
            if i >= n:
                raise InvalidParameter("syntax error in pattern")
            c = pattern[i]
        lo = c
        if i + 2 < n and pattern[i + 1] == "-" and pattern[i + 2] != "]":
            hi = pattern[i + 2]
            i += 2
            if hi == "\\":
                i += 1
                if i >= n:
                    raise InvalidParameter("syntax error in pattern")
                hi = pattern[i]
            if hi < lo:
                raise InvalidParameter("syntax error in pattern")
            items.append(f"{re.escape(lo)}-{re.escape(hi)}")
        else:
            items.append(re.escape(lo))
        i += 1
    body = "".join(items)
    return i, f"[^/{body}]" if negate else f"(?!/)[{body}]"
