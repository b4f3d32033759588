"""A small subset of Go's text/template, enough for `--format` as people use it with docker.

Supported: literal text, `{{.A.B}}` dotted paths (`{{.}}` for the whole value),
functions `json`, `index`, `join`, `upper`, `lower`, `title`, `len`, `println`,
pipelines (`{{.Config.Env | json}}`), quoted string arguments and `{{-`/`-}}`
whitespace trimming. Values print as Go's fmt prints decoded JSON (`map[k:v]`,
`[a b]`, `<no value>` for a missing key), because that is what users compare.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_ACTION = re.compile(r"{{(-\s)?(.*?)(\s-)?}}", re.DOTALL)
_MISSING = object()


class TemplateError(ValueError):
    """The template does not parse or cannot run against the value."""


def go_json(value: Any) -> str:
    """Compact JSON as docker's template `json` function writes it (no HTML escaping)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def go_print(value: Any) -> str:
    """Render a decoded-JSON value the way Go's fmt %v prints interface{} values."""
    if value is _MISSING:
        return "<no value>"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if isinstance(value, Mapping):
        items = " ".join(f"{key}:{go_print(value[key])}" for key in sorted(value))
        return f"map[{items}]"
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_print(item) for item in value) + "]"
    return str(value)


def _index(container: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(container, Mapping):
            container = container.get(key, _MISSING)
        elif isinstance(container, list) and isinstance(key, int):
            container = container[key] if 0 <= key < len(container) else _MISSING
        else:
            raise TemplateError(f"can't index item of type {type(container).__name__}")
    return container


def _length(value: Any) -> int:
    if value is _MISSING or value is None:
        return 0
    return len(value)


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "json": lambda value: go_json(None if value is _MISSING else value),
    "index": _index,
    "join": lambda items, sep: sep.join(go_print(item) for item in (items or [])),
    "upper": lambda value: go_print(value).upper(),
    "lower": lambda value: go_print(value).lower(),
    "title": lambda value: go_print(value).title(),
    "len": _length,
    "println": lambda *values: " ".join(go_print(value) for value in values) + "\n",
}


def _lookup(value: Any, path: str) -> Any:
    for field in path.split(".")[1:]:
        if field == "":
            continue
        if isinstance(value, Mapping):
            value = value.get(field, _MISSING)
        elif value is _MISSING or value is None:
            return _MISSING
        else:
            raise TemplateError(f"can't evaluate field {field} in type {type(value).__name__}")
    return value


@dataclass(frozen=True)
class _Action:
    commands: tuple[tuple[str, ...], ...]


class Template:
    """A parsed template; `render(value)` runs it against one decoded JSON value."""

    def __init__(self, source: str) -> None:
        self._parts: list[str | _Action] = []
        position = 0
        for match in _ACTION.finditer(source):
            text = source[position : match.start()]
            if match.group(1):
                text = text.rstrip()
            self._parts.append(text)
            self._parts.append(_Action(self._parse(match.group(2).strip())))
            position = match.end()
            if match.group(3):
                rest = source[position:]
                position += len(rest) - len(rest.lstrip())
        self._parts.append(source[position:])

    @staticmethod
    def _parse(body: str) -> tuple[tuple[str, ...], ...]:
        if body == "":
            raise TemplateError("missing value for command")
        try:
            commands = tuple(tuple(shlex.split(part, posix=False)) for part in body.split("|"))
        except ValueError as error:
            raise TemplateError(str(error)) from None
        for command in commands:
            if not command:
                raise TemplateError("missing command in pipeline")
            head = command[0]
            if not head.startswith(".") and head not in _FUNCTIONS and not head.startswith('"'):
                raise TemplateError(f'function "{head}" not defined')
        return commands

    def _argument(self, token: str, value: Any) -> Any:
        if token.startswith("."):
            return _lookup(value, token)
        if token.startswith('"') and token.endswith('"') and len(token) >= 2:
            return json.loads(token)
        if token.lstrip("-").isdigit():
            return int(token)
        raise TemplateError(f"unexpected {token!r} in command")

    def _run(self, action: _Action, value: Any) -> Any:
        result: Any = _MISSING
        for position, command in enumerate(action.commands):
            head, *tokens = command
            arguments = [self._argument(token, value) for token in tokens]
            if position > 0:
                arguments.append(result)
            if head in _FUNCTIONS:
                try:
                    result = _FUNCTIONS[head](*arguments)
                except TypeError as error:
                    raise TemplateError(f"wrong number of args for {head}: {error}") from None
            elif arguments:
                raise TemplateError(f"{head} is not a function")
            else:
                result = self._argument(head, value)
        return result

    def render(self, value: Any) -> str:
        pieces = []
        for part in self._parts:
            if isinstance(part, _Action):
                pieces.append(go_print(self._run(part, value)))
            else:
                pieces.append(part)
        return "".join(pieces)
