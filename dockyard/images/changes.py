"""``docker import --change``: Dockerfile instructions applied to an empty container Config.

This is ``dockerfile.BuildFromConfig``: the changes are joined into a small Dockerfile, every
instruction must be one a commit may carry, and each one edits the Config the way the builder
would. Errors are ``InvalidParameter`` with the builder's wording.
"""

from __future__ import annotations

import json
import posixpath
import re
import signal
from collections.abc import Callable
from typing import Any

from dockyard.errors import InvalidParameter
from dockyard.images.image_config import empty_config
from dockyard.images.shell_words import env_map, process_word, process_words, split_raw

Config = dict[str, Any]

_DURATION = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|ms|s|m|h)")
_DURATION_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 10**6, "s": 10**9, "m": 60 * 10**9}
_DURATION_UNITS["h"] = 3600 * 10**9
_PORT = re.compile(r"(\d+)(?:-(\d+))?(?:/(\w+))?")
_CONTINUATION = re.compile(r"\\[ \t]*$")


def build_config(changes: list[str]) -> Config:
    """Apply ``changes`` to an empty Config; validate all before applying any."""
    instructions = [_split_instruction(line) for line in _logical_lines(changes)]
    for word, _ in instructions:
        if word.lower() not in _DISPATCH:
            raise InvalidParameter(f"{word} is not a valid change command")
    config = empty_config()
    state = {"cmd_set": False}
    for word, rest in instructions:
        _DISPATCH[word.lower()](config, rest, state)
    return config


def _logical_lines(changes: list[str]) -> list[str]:
    """Join continuation lines, drop blank lines and comments (the Dockerfile parser's job)."""
    lines: list[str] = []
    pending = ""
    for raw in "\n".join(changes).split("\n"):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if _CONTINUATION.search(raw):
            pending += _CONTINUATION.sub("", raw)
            continue
        lines.append((pending + raw).strip())
        pending = ""
    if pending.strip():
        lines.append(pending.strip())
    return lines


def _split_instruction(line: str) -> tuple[str, str]:
    word, _, rest = line.partition(" ")
    if "\t" in word:
        word, _, more = word.partition("\t")
        rest = more + " " + rest
    return word, rest.strip()


def _json_or_shell(rest: str) -> list[str]:
    """Exec form when ``rest`` is a JSON array of strings, else ``/bin/sh -c rest``."""
    if rest.startswith("["):
        try:
            parsed = json.loads(rest)
        except ValueError:
            parsed = None
        if isinstance(parsed, list) and all(isinstance(x, str) for x in parsed):
            return parsed
    return ["/bin/sh", "-c", rest]


def _env(config: Config) -> dict[str, str]:
    return env_map(config.get("Env"))


def _name_values(rest: str, instruction: str, config: Config) -> list[tuple[str, str]]:
    """``KEY name=value ...`` or the legacy ``KEY name value with spaces``."""
    env = _env(config)
    words = split_raw(rest)
    if not words:
        raise InvalidParameter(f"{instruction} requires at least one argument")
    if "=" not in words[0]:
        parts = rest.split(None, 1)
        if len(parts) < 2:
            raise InvalidParameter(f"{instruction} must have two arguments")
        return [(parts[0], process_word(parts[1], env))]
    pairs = []
    for word in words:
        if "=" not in word:
            raise InvalidParameter(
                f"Syntax error - can't find = in {json.dumps(word)}. "
                "Must be of the form: name=value"
            )
        key, _, value = word.partition("=")
        key = process_word(key, env)
        if not key:
            raise InvalidParameter(f"{instruction} names can not be blank")
        pairs.append((key, process_word(value, env)))
    return pairs


def _cmd(config: Config, rest: str, state: dict[str, bool]) -> None:
    config["Cmd"] = _json_or_shell(rest)
    state["cmd_set"] = True


def _entrypoint(config: Config, rest: str, state: dict[str, bool]) -> None:
    config["Entrypoint"] = _json_or_shell(rest)
    if not state["cmd_set"]:
        config["Cmd"] = None


def _env_instruction(config: Config, rest: str, state: dict[str, bool]) -> None:
    env = list(config.get("Env") or [])
    for key, value in _name_values(rest, "ENV", config):
        env = [item for item in env if item.partition("=")[0] != key]
        env.append(f"{key}={value}")
    config["Env"] = env


def _label(config: Config, rest: str, state: dict[str, bool]) -> None:
    labels = dict(config.get("Labels") or {})
    labels.update(_name_values(rest, "LABEL", config))
    config["Labels"] = labels


def _workdir(config: Config, rest: str, state: dict[str, bool]) -> None:
    path = process_word(rest, _env(config))
    if not path:
        raise InvalidParameter("WORKDIR requires exactly one argument")
    if not path.startswith("/"):
        path = posixpath.join("/", config.get("WorkingDir") or "", path)
    config["WorkingDir"] = posixpath.normpath(path)


def _user(config: Config, rest: str, state: dict[str, bool]) -> None:
    if not rest:
        raise InvalidParameter("USER requires exactly one argument")
    config["User"] = process_word(rest, _env(config))


def _volume(config: Config, rest: str, state: dict[str, bool]) -> None:
    paths = _json_or_shell(rest)
    if paths[:2] == ["/bin/sh", "-c"]:
        paths = process_words(rest, _env(config))
    if not paths:
        raise InvalidParameter("VOLUME requires at least one argument")
    volumes = dict(config.get("Volumes") or {})
    for path in paths:
        if not path.strip():
            raise InvalidParameter("VOLUME specified can not be an empty string")
        volumes[path] = {}
    config["Volumes"] = volumes


def _expose(config: Config, rest: str, state: dict[str, bool]) -> None:
    words = process_words(rest, _env(config))
    if not words:
        raise InvalidParameter("EXPOSE requires at least one argument")
    ports = dict(config.get("ExposedPorts") or {})
    for word in words:
        match = _PORT.fullmatch(word)
        if match is None:
            raise InvalidParameter(f"invalid containerPort: {word}")
        start, end, proto = int(match.group(1)), match.group(2), (match.group(3) or "tcp")
        if proto.lower() not in ("tcp", "udp", "sctp"):
            raise InvalidParameter(f"invalid proto: {proto}")
        stop = int(end) if end else start
        if stop < start:
            raise InvalidParameter(f"invalid range specified for containerPort: {word}")
        for port in range(start, stop + 1):
            ports[f"{port}/{proto.lower()}"] = {}
    config["ExposedPorts"] = ports


def _stopsignal(config: Config, rest: str, state: dict[str, bool]) -> None:
    value = process_word(rest, _env(config))
    parse_signal(value)
    config["StopSignal"] = value


def _onbuild(config: Config, rest: str, state: dict[str, bool]) -> None:
    trigger = rest.split(None, 1)[0].upper() if rest else ""
    if trigger in ("", "ONBUILD"):
        raise InvalidParameter("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
    if trigger in ("FROM", "MAINTAINER"):
        raise InvalidParameter(f"{trigger} isn't allowed as an ONBUILD trigger")
    config["OnBuild"] = [*(config.get("OnBuild") or []), rest]


def _healthcheck(config: Config, rest: str, state: dict[str, bool]) -> None:
    flags: dict[str, str] = {}
    remaining = rest
    while remaining.startswith("--"):
        token, _, remaining = remaining.partition(" ")
        remaining = remaining.lstrip()
        key, _, value = token[2:].partition("=")
        if key not in ("interval", "timeout", "start-period", "start-interval", "retries"):
            raise InvalidParameter(f"Unknown flag: {key}")
        flags[key] = value
    kind, _, cmdline = remaining.partition(" ")
    kind, cmdline = kind.upper(), cmdline.strip()
    if kind == "NONE":
        if cmdline or flags:
            raise InvalidParameter("HEALTHCHECK NONE takes no arguments")
        config["Healthcheck"] = {"Test": ["NONE"]}
        return
    if kind != "CMD" or not cmdline:
        raise InvalidParameter(f"Unknown type {kind!r} in HEALTHCHECK (try CMD)")
    command = _json_or_shell(cmdline)
    test = ["CMD-SHELL", cmdline] if command[:2] == ["/bin/sh", "-c"] else ["CMD", *command]
    health: dict[str, Any] = {"Test": test}
    for key, field in (
        ("interval", "Interval"),
        ("timeout", "Timeout"),
        ("start-period", "StartPeriod"),
        ("start-interval", "StartInterval"),
    ):
        if key in flags:
            nanos = parse_duration(flags[key])
            if 0 < nanos < 10**6:
                raise InvalidParameter(f'Interval "--{key}" cannot be less than 1ms')
            if nanos:
                health[field] = nanos
    if "retries" in flags:
        try:
            retries = int(flags["retries"])
        except ValueError:
            raise InvalidParameter(f"invalid retries: {flags['retries']}") from None
        if retries < 0:
            raise InvalidParameter("--retries cannot be negative")
        if retries:
            health["Retries"] = retries
    config["Healthcheck"] = health


_DISPATCH: dict[str, Callable[[Config, str, dict[str, bool]], None]] = {
    "cmd": _cmd,
    "entrypoint": _entrypoint,
    "env": _env_instruction,
    "expose": _expose,
    "healthcheck": _healthcheck,
    "label": _label,
    "onbuild": _onbuild,
    "stopsignal": _stopsignal,
    "user": _user,
    "volume": _volume,
    "workdir": _workdir,
}


def parse_duration(value: str) -> int:
    """A Go ``time.Duration`` string (``1m30s``, ``500ms``, ``0``) in nanoseconds."""
    if value in ("0", ""):
        return 0
    pos, total = 0, 0.0
    while pos < len(value):
        match = _DURATION.match(value, pos)
        if match is None or match.group(1) in ("", "."):
            raise InvalidParameter(f'time: invalid duration "{value}"')
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        pos = match.end()
    return int(total)


def parse_signal(value: str) -> int:
    """Docker's ``signal.ParseSignal``: a number or a name with or without ``SIG``."""
    if value.isdigit():
        number = int(value)
        if 0 < number <= signal.SIGRTMAX:
            return number
        raise InvalidParameter(f"Invalid signal: {value}")
    name = value.upper().removeprefix("SIG")
    try:
        return int(signal.Signals["SIG" + name])
    except KeyError:
        pass
    match = re.fullmatch(r"RT(MIN|MAX)([+-]\d+)?", name)
    if match:
        base = signal.SIGRTMIN if match.group(1) == "MIN" else signal.SIGRTMAX
        number = int(base) + int(match.group(2) or 0)
        if signal.SIGRTMIN <= number <= signal.SIGRTMAX:
            return number
    raise InvalidParameter(f"Invalid signal: {value}")
