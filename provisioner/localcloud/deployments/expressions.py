"""ARM template expressions: ``"[concat(parameters('p'), '-x')]"`` parsed and evaluated.

A JSON string that starts with ``[`` and ends with ``]`` is an expression; ``[[`` escapes a
literal ``[`` (https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions).
The language: single-quoted strings (``''`` is a quote), integers, function calls, and member
access on a result (``.name``, ``['name']``, ``[0]``). ``true``/``false``/``null`` are the
functions ``true()``, ``false()`` and ``null()``.

Functions are looked up in :data:`FUNCTIONS` (``functions.py``) case-insensitively; one that is
not there is an ``InvalidTemplate`` error naming it, as ARM names an unknown function, so a
template this engine cannot evaluate fails the deployment instead of half-running.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][\w.]*?)(?=\s*[(])"
    r"|(?P<ident>[A-Za-z_]\w*)|(?P<punct>[(),.\[\]]))"
)


class TemplateError(Exception):
    """An ``InvalidTemplate`` error: ``message`` says what and where, as ARM's does."""

    def __init__(self, message: str, code: str = "InvalidTemplate") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Member:
    target: Any
    key: Any  # a node evaluating to a property name or an index


@dataclass(frozen=True)
class Literal:
    value: Any


def is_expression(value: Any) -> bool:
    return (
        isinstance(value, str)
        and value.startswith("[")
        and value.endswith("]")
        and not value.startswith("[[")
    )


def unescape(value: str) -> str:
    """``"[[x]"`` is the literal ``"[x]"``."""
    return value[1:] if value.startswith("[[") else value


def parse(text: str) -> Any:
    """The syntax tree of one expression (the text inside the brackets)."""
    tokens = _tokens(text)
    parser = _Parser(text, tokens)
    node = parser.expression()
    if parser.i != len(tokens):
        raise TemplateError(
            f"The template language expression '{text}' is not valid: unexpected "
            f"'{tokens[parser.i][1]}'."
        )
    return node


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if not text[pos:].strip():
            break
        m = _TOKEN.match(text, pos)
        if m is None:
            raise TemplateError(
                f"The template language expression '{text}' is not valid: unexpected "
                f"character at position {pos}."
            )
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str, tokens: list[tuple[str, str]]) -> None:
        self.text, self.tokens, self.i = text, tokens, 0

    def _bad(self, what: str) -> TemplateError:
        return TemplateError(
            f"The template language expression '{self.text}' is not valid: {what}."
        )

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "")

    def expect(self, value: str) -> None:
        if self.peek() != ("punct", value):
            raise self._bad(f"expected '{value}' but found '{self.peek()[1] or 'the end'}'")
        self.i += 1

    def expression(self) -> Any:
        node = self.primary()
        while True:
            kind, value = self.peek()
            if (kind, value) == ("punct", "."):
                self.i += 1
                k, name = self.peek()
                if k not in ("ident", "name"):
                    raise self._bad("a property name must follow '.'")
                self.i += 1
                node = Member(node, Literal(name))
            elif (kind, value) == ("punct", "["):
                self.i += 1
                key = self.expression()
                self.expect("]")
                node = Member(node, key)
            else:
                return node

    def primary(self) -> Any:
        kind, value = self.peek()
        self.i += 1
        if kind == "str":
            return Literal(value[1:-1].replace("''", "'"))
        if kind == "num":
            return Literal(float(value) if "." in value else int(value))
        if kind == "name":
            if "." in value:  # a dotted call like sys.concat(): Bicep's namespace prefix
                value = value.rsplit(".", 1)[-1]
            self.expect("(")
            args: list[Any] = []
            if self.peek() != ("punct", ")"):
                args.append(self.expression())
                while self.peek() == ("punct", ","):
                    self.i += 1
                    args.append(self.expression())
            self.expect(")")
            return Call(value, tuple(args))
        raise self._bad(f"unexpected '{value or 'end of expression'}'")


def evaluate(node: Any, scope: Any) -> Any:
    """Evaluate a syntax tree; ``scope`` supplies :meth:`call` for functions."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Member):
        return member(evaluate(node.target, scope), evaluate(node.key, scope))
    if isinstance(node, Call):
        return scope.call(node.name, node.args)
    raise TemplateError(f"Unsupported expression node {node!r}.")


def member(target: Any, key: Any) -> Any:
    if isinstance(target, list) and isinstance(key, int):
        if not -len(target) <= key < len(target):
            raise TemplateError(f"The language expression index '{key}' is out of bounds.")
        return target[key]
    if isinstance(target, dict) and isinstance(key, str):
        for k, v in target.items():
            if k.lower() == key.lower():
                return v
        raise TemplateError(
            f"The language expression property '{key}' doesn't exist, available properties "
            f"are '{', '.join(target)}'."
        )
    raise TemplateError(
        f"The language expression property '{key}' cannot be evaluated on a "
        f"{type(target).__name__} value."
    )
