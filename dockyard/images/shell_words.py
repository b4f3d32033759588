"""The Dockerfile word rules: quotes, backslash escapes and ``$VAR`` expansion.

A small port of the behaviour of BuildKit's ``shell.Lex`` (``ProcessWord`` / ``ProcessWords``)
for the instructions ``docker import --change`` accepts. ``$VAR``, ``${VAR}``,
``${VAR:-word}``, ``${VAR-word}``, ``${VAR:+word}`` and ``${VAR+word}`` expand from the image's
``Env``; single quotes are literal; inside double quotes a backslash escapes only ``"``, ``$``
and ``\\``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from dockyard.errors import InvalidParameter

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def env_map(env: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in env or []:
        key, _, value = item.partition("=")
        out[key] = value
    return out


def process_word(text: str, env: Mapping[str, str]) -> str:
    """Expand and unquote ``text`` as one word (whitespace is kept)."""
    words = _Lexer(text, env).run(split=False)
    return words[0] if words else ""


def process_words(text: str, env: Mapping[str, str]) -> list[str]:
    """Expand and unquote ``text``, split into words on unquoted whitespace."""
    return _Lexer(text, env).run(split=True)


def split_raw(text: str) -> list[str]:
    """Split on unquoted whitespace keeping quotes and escapes (BuildKit's ``parseWords``)."""
    words: list[str] = []
    current: list[str] = []
    quote = ""
    escaped = False
    for ch in text:
        if escaped:
            current.append(ch)
            escaped = False
            continue
        if ch == "\\" and quote != "'":
            current.append(ch)
            escaped = True
            continue
        if quote:
            if ch == quote:
                quote = ""
            current.append(ch)
            continue
        if ch in "'\"":
            quote = ch
            current.append(ch)
        elif ch.isspace():
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(ch)
    if current:
        words.append("".join(current))
    return words


class _Lexer:
    def __init__(self, text: str, env: Mapping[str, str]) -> None:
        self.text = text
        self.env = env
        self.pos = 0

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _next(self) -> str:
        ch = self._peek()
        self.pos += 1
        return ch

    def run(self, *, split: bool) -> list[str]:
        words: list[str] = []
        current: list[str] = []
        started = False
        while self.pos < len(self.text):
            ch = self._peek()
            if split and ch.isspace():
                self.pos += 1
                if started:
                    words.append("".join(current))
                    current, started = [], False
                continue
            started = True
            if ch == "'":
                self.pos += 1
                current.append(self._single_quoted())
            elif ch == '"':
                self.pos += 1
                current.append(self._double_quoted())
            elif ch == "\\":
                self.pos += 1
                current.append(self._next())
            elif ch == "$":
                self.pos += 1
                current.append(self._dollar())
            else:
                self.pos += 1
                current.append(ch)
        if started or not split:
            words.append("".join(current))
        return words

    def _single_quoted(self) -> str:
        end = self.text.find("'", self.pos)
        if end < 0:
            raise InvalidParameter("unexpected end of statement while looking for matching '")
        out = self.text[self.pos : end]
        self.pos = end + 1
        return out

    def _double_quoted(self) -> str:
        out: list[str] = []
        while True:
            if self.pos >= len(self.text):
                raise InvalidParameter('unexpected end of statement while looking for matching "')
            ch = self._next()
            if ch == '"':
                return "".join(out)
            if ch == "\\" and self._peek() in ('"', "$", "\\"):
                out.append(self._next())
            elif ch == "$":
                out.append(self._dollar())
            else:
                out.append(ch)

    def _dollar(self) -> str:
        if self._peek() == "{":
            self.pos += 1
            return self._braced()
        match = _NAME.match(self.text, self.pos)
        if match is None:
            return "$"
        self.pos = match.end()
        return self.env.get(match.group(0), "")

    def _braced(self) -> str:
        match = _NAME.match(self.text, self.pos)
        if match is None:
            raise InvalidParameter(f"missing ':' in substitution: {self.text}")
        name = match.group(0)
        self.pos = match.end()
        ch = self._next()
        if ch == "}":
            return self.env.get(name, "")
        colon = ch == ":"
        if colon:
            ch = self._next()
        if ch not in ("-", "+"):
            raise InvalidParameter(f"unsupported modifier ({ch}) in substitution: {self.text}")
        word = self._until_brace()
        value = self.env.get(name)
        is_set = value is not None and (value != "" or not colon)
        if ch == "-":
            return value if is_set and value is not None else word
        return word if is_set else ""

    def _until_brace(self) -> str:
        out: list[str] = []
        while True:
            if self.pos >= len(self.text):
                raise InvalidParameter(f"syntax error: missing '}}' in {self.text}")
            ch = self._next()
            if ch == "}":
                return "".join(out)
            if ch == "$":
                out.append(self._dollar())
            elif ch == "\\":
                out.append(self._next())
            else:
                out.append(ch)
