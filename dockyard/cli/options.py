"""Parsing of flag values into Engine API fields, with the docker CLI's rules and wording.

Each function is pure and raises `OptionError` with the message docker prints,
so the same rules serve `run`, `create` and `update`, and are unit-testable.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from dockyard.cli.failures import OptionError

_BINARY_MULTIPLIERS = {"k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4, "p": 1024**5}


@dataclass(frozen=True, kw_only=True)
class RestartPolicy:
    """HostConfig.RestartPolicy as the API spells it."""

    name: str
    maximum_retry_count: int = 0

    def to_api(self) -> dict[str, Any]:
        return {"Name": self.name, "MaximumRetryCount": self.maximum_retry_count}

    @property
    def is_none(self) -> bool:
        """True for "no" and "" — the policies that allow --rm."""
        return self.name in ("", "no")


def parse_restart_policy(value: str) -> RestartPolicy:
    """Split `NAME[:COUNT]` like docker; the name itself is left to the engine to judge."""
    if value == "":
        return RestartPolicy(name="")
    name, colon, count = value.partition(":")
    if colon and name == "":
        raise OptionError("invalid restart policy format: no policy provided before colon")
    retries = 0
    if count != "":
        try:
            retries = int(count, 10)
        except ValueError:
            raise OptionError(
                "invalid restart policy format: maximum retry count must be an integer"
            ) from None
    return RestartPolicy(name=name, maximum_retry_count=retries)


def parse_memory_bytes(value: str) -> int:
    """Parse a RAM size ("64m", "1g", "512k", "1.5GiB") into bytes, as go-units RAMInBytes."""
    separator = max(value.rfind(char) for char in "0123456789. ")
    if separator == -1:
        raise OptionError(f"invalid size: '{value}'")
    if value[separator] == " ":
        number, suffix = value[:separator], value[separator + 1 :]
    else:
        number, suffix = value[: separator + 1], value[separator + 1 :]
    try:
        size = float(number)
    except ValueError:
        raise OptionError(f'strconv.ParseFloat: parsing "{number}": invalid syntax') from None
    if size < 0:
        raise OptionError(f"invalid size: '{value}'")
    if suffix == "":
        return int(size)
    lowered = suffix.lower()
    if len(lowered) > 3:
        raise OptionError(f"invalid suffix: '{lowered}'")
    if lowered[0] == "b":
        if len(lowered) > 1:
            raise OptionError(f"invalid suffix: '{lowered}'")
        return int(size)
    multiplier = _BINARY_MULTIPLIERS.get(lowered[0])
    if multiplier is None or lowered[1:] not in ("", "b", "ib"):
        raise OptionError(f"invalid suffix: '{lowered}'")
    return int(size * multiplier)


def parse_nano_cpus(value: str) -> int:
    """Turn `--cpus 1.5` into HostConfig.NanoCpus (1500000000), refusing sub-nano values."""
    try:
        cpus = Fraction(value.strip())
    except (ValueError, ZeroDivisionError):
        raise OptionError(f"failed to parse {value} as a rational number") from None
    nano = cpus * 1_000_000_000
    if nano.denominator != 1:
        raise OptionError("value is too precise")
    return int(nano)


def parse_env(values: Iterable[str], *, environ: Mapping[str, str] | None = None) -> list[str]:
    """Validate `-e` values; a bare `NAME` takes its value from the client's environment."""
    source = os.environ if environ is None else environ
    result = []
    for value in values:
        key, equals, _ = value.partition("=")
        if key == "":
            raise OptionError(f"invalid environment variable: {value}")
        if not equals and key in source:
            value = f"{key}={source[key]}"
        result.append(value)
    return result


def parse_labels(values: Iterable[str]) -> dict[str, str]:
    """`-l key=value` (or `-l key`, an empty value) into Config.Labels."""
    labels: dict[str, str] = {}
    for value in values:
        key, _, label_value = value.partition("=")
        if key == "":
            raise OptionError(f"invalid label: {value}")
        labels[key] = label_value
    return labels


def parse_filters(values: Iterable[str]) -> dict[str, dict[str, bool]]:
    """`--filter k=v` (repeatable) into the API's `{"k": {"v": true}}` map."""
    filters: dict[str, dict[str, bool]] = {}
    for value in values:
        key, equals, filter_value = value.partition("=")
        if not equals:
            raise OptionError(f"bad format of filter (expected name=value): {value}")
        filters.setdefault(key.strip().lower(), {})[filter_value.strip()] = True
    return filters


@dataclass(frozen=True, kw_only=True)
class PortMappings:
    """The Config.ExposedPorts and HostConfig.PortBindings that `-p` flags produce."""

    exposed: dict[str, dict[str, Any]]
    bindings: dict[str, list[dict[str, str]]]


def _port_range(text: str, *, what: str) -> tuple[int, int]:
    first, dash, last = text.partition("-")
    try:
        start = int(first)
        end = int(last) if dash else start
    except ValueError:
        raise OptionError(f"invalid {what}: {text}") from None
    if not (0 <= start <= 65535 and 0 <= end <= 65535) or end < start:
        raise OptionError(f"invalid {what}: {text}")
    return start, end


def _split_publish(spec: str) -> tuple[str, str, str]:
    """Return (host IP, host port, container port/proto) of `[ip:][hostPort:]port[/proto]`."""
    if spec.startswith("["):
        address, bracket, rest = spec[1:].partition("]")
        if not bracket or not rest.startswith(":"):
            raise OptionError(f"invalid IP address: {spec}")
        host_port, _, container = rest[1:].rpartition(":")
        if not container:
            raise OptionError(f"no port specified: {spec}<empty>")
        return address, host_port, container
    parts = spec.split(":")
    if len(parts) == 1:
        return "", "", parts[0]
    if len(parts) == 2:
        return "", parts[0], parts[1]
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    host_port, _, container = spec.rpartition(":")
    address, _, host_port = host_port.rpartition(":")
    return address, host_port, container


def parse_publish(specs: Iterable[str]) -> PortMappings:
    """Parse `-p` specs (`8080:80`, `127.0.0.1:8080:80/udp`, `[::1]:80:80`, ranges)."""
    exposed: dict[str, dict[str, Any]] = {}
    bindings: dict[str, list[dict[str, str]]] = {}
    for spec in specs:
        address, host_part, container_part = _split_publish(spec)
        if address:
            try:
                ipaddress.ip_address(address)
            except ValueError:
                raise OptionError(f"invalid IP address: {address}") from None
        port_text, _, proto = container_part.partition("/")
        proto = (proto or "tcp").lower()
        if proto not in ("tcp", "udp", "sctp"):
            raise OptionError(f"invalid proto: {proto}")
        if port_text == "":
            raise OptionError(f"no port specified: {spec}<empty>")
        start, end = _port_range(port_text, what="containerPort")
        host_start = host_end = 0
        if host_part:
            host_start, host_end = _port_range(host_part, what="hostPort")
            if start != end and host_end - host_start != end - start:
                raise OptionError(
                    f"invalid ranges specified for container and host Ports: "
                    f"{port_text} and {host_part}"
                )
        for offset, port in enumerate(range(start, end + 1)):
            key = f"{port}/{proto}"
            exposed[key] = {}
            host_port = ""
            if host_part and start == end:
                host_port = host_part
            elif host_part:
                host_port = str(host_start + offset)
            binding = {"HostIp": address, "HostPort": host_port}
            bindings.setdefault(key, []).append(binding)
    return PortMappings(exposed=exposed, bindings=bindings)


DEFAULT_DETACH_KEYS = b"\x10\x11"


def parse_detach_keys(value: str | None) -> bytes:
    """`--detach-keys "ctrl-p,ctrl-q"` into the bytes that end a session (docker's format)."""
    if not value:
        return DEFAULT_DETACH_KEYS
    keys = bytearray()
    for part in value.split(","):
        part = part.strip()
        if part.startswith("ctrl-") and len(part) == 6:
            char = part[5].lower()
            if char == "@":
                keys.append(0)
            elif "a" <= char <= "z":
                keys.append(ord(char) - ord("a") + 1)
            elif char in "[\\]^_":
                keys.append(0x1B + "[\\]^_".index(char))
            else:
                raise OptionError(f"Unknown character: '{part}'")
        elif len(part) == 1:
            keys.append(ord(part))
        else:
            raise OptionError(f"Unknown character: '{part}'")
    return bytes(keys)


def parse_bool(value: str) -> bool:
    """Go's strconv.ParseBool, so `--sig-proxy=false` works as in docker."""
    lowered = value.lower()
    if lowered in ("1", "t", "true"):
        return True
    if lowered in ("0", "f", "false"):
        return False
    raise OptionError(f'strconv.ParseBool: parsing "{value}": invalid syntax')
