"""ARM's ``$filter`` for ``GET …/resources`` and ``GET …/resourcegroups``, parsed as ARM parses it.

The grammar, from the Resources - List reference (``$filter`` of
https://learn.microsoft.com/en-us/rest/api/resources/resources/list, also in
``ResourcesListOptionalParams`` of @azure/arm-resources):

- ``<property> eq|ne '<value>'`` for ``location``, ``resourceType``, ``name``, ``resourceGroup``,
  ``identity``, ``identity/principalId``, ``plan``, ``plan/publisher``, ``plan/product``,
  ``plan/name``, ``plan/version``, ``plan/promotionCode``;
- ``substringof('<value>', name|resourceGroup)``, combinable with ``and``/``or``;
- ``tagName eq 'x' [and tagValue eq 'y']`` and ``startswith(tagName, 'x')``; a tag filter stands
  alone: combined with any other property ARM answers 400 (Azure/azure-rest-api-specs#21324,
  ``tagName … and tagValue … and resourceType …`` is a Bad Request), and the resources it
  returns come **without their tags** when a value is given (the reference says so; the tool's
  ``arm/listing.py`` works around it);
- ``and`` binds tighter than ``or``; parentheses group. Strings are single-quoted, ``''`` is a
  quote. Keywords and property names are case-insensitive, values compare case-insensitively
  except tag values.

Anything else (an unknown property, ``gt``, a bare word, an unclosed string) is refused with
``InvalidFilterInQueryString``, the code ARM answers. :func:`parse` returns a :class:`Filter`:
a predicate over a listed item plus whether tags are to be dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from provisioner.localcloud.errors import ArmError

Item = dict[str, Any]
Predicate = Callable[[Item], bool]

_PROPERTIES = {
    p.lower(): p
    for p in (
        "location",
        "resourceType",
        "name",
        "resourceGroup",
        "identity",
        "identity/principalId",
        "plan",
        "plan/publisher",
        "plan/product",
        "plan/name",
        "plan/version",
        "plan/promotionCode",
    )
}
_SUBSTRING_PROPERTIES = {"name", "resourcegroup"}
_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<punct>[(),])|(?P<word>[A-Za-z/]+))")


@dataclass(frozen=True)
class Filter:
    match: Predicate
    drops_tags: bool = False  # tag name and value given: ARM returns the items without tags


def refused(text: str, why: str = "") -> ArmError:
    suffix = f" {why}" if why else ""
    return ArmError(
        400,
        "InvalidFilterInQueryString",
        f"Invalid $filter '{text}' specified in the query string.{suffix}",
    )


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None:
            raise refused(text, f"Unexpected character at position {pos}.")
        kind = m.lastgroup or ""
        value = m.group(kind)
        out.append((kind, value[1:-1].replace("''", "'") if kind == "str" else value))
        pos = m.end()
    return out


class _Parser:
    """Recursive descent over the tokens (the tag forms are matched before, whole)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str]:
        return self.toks[self.i] if self.i < len(self.toks) else ("end", "")

    def take(self, kind: str, word: str | None = None) -> str:
        k, v = self.peek()
        if k != kind or (word is not None and v.lower() != word):
            expected = word or kind
            raise refused(self.text, f"Expected {expected} but found '{v or 'end of filter'}'.")
        self.i += 1
        return v

    def is_word(self, word: str) -> bool:
        k, v = self.peek()
        return k == "word" and v.lower() == word

    def expr(self) -> Predicate:
        terms = [self.conj()]
        while self.is_word("or"):
            self.i += 1
            terms.append(self.conj())
        return terms[0] if len(terms) == 1 else (lambda d: any(t(d) for t in terms))

    def conj(self) -> Predicate:
        terms = [self.atom()]
        while self.is_word("and"):
            self.i += 1
            terms.append(self.atom())
        return terms[0] if len(terms) == 1 else (lambda d: all(t(d) for t in terms))

    def atom(self) -> Predicate:
        kind, value = self.peek()
        if kind == "punct" and value == "(":
            self.i += 1
            inner = self.expr()
            self.take("punct", ")")
            return inner
        if kind != "word":
            raise refused(self.text, f"Expected a property or function, found '{value}'.")
        word = value.lower()
        if word == "substringof":
            return self.substringof()
        return self.comparison()

    def substringof(self) -> Predicate:
        self.i += 1
        self.take("punct", "(")
        needle = self.take("str").lower()
        self.take("punct", ",")
        prop = self.take("word").lower()
        self.take("punct", ")")
        if prop not in _SUBSTRING_PROPERTIES:
            raise refused(self.text, f"substringof() does not support property '{prop}'.")
        return lambda d: needle in str(_value(d, prop) or "").lower()

    def comparison(self) -> Predicate:
        prop = self.take("word").lower()
        if prop not in _PROPERTIES:
            raise refused(self.text, f"Property '{prop}' is not supported.")
        op = self.take("word").lower()
        if op not in ("eq", "ne"):
            raise refused(self.text, f"Operator '{op}' is not supported for '{prop}'.")
        wanted = self.take("str")
        if op == "eq":
            return lambda d: str(_value(d, prop) or "").lower() == wanted.lower()
        return lambda d: str(_value(d, prop) or "").lower() != wanted.lower()


def _value(d: Item, prop: str) -> Any:
    if prop == "resourcetype":
        return d.get("type")
    if prop == "resourcegroup":
        parts = str(d.get("id", "")).split("/")
        low = [p.lower() for p in parts]
        return parts[low.index("resourcegroups") + 1] if "resourcegroups" in low else None
    head, _, tail = prop.partition("/")
    value = next((v for k, v in d.items() if k.lower() == head), None)
    if tail:
        inner = value if isinstance(value, dict) else {}
        value = next((v for k, v in inner.items() if k.lower() == tail), None)
    return value


def parse(text: str) -> Filter:
    """The filter ``text`` means, or ARM's refusal."""
    if not text.strip():
        return Filter(lambda _d: True)
    tag = _tag_filter(text)
    if tag is not None:
        return tag
    p = _Parser(text)
    predicate = p.expr()
    if p.peek()[0] != "end":
        raise refused(text, f"Unexpected '{p.peek()[1]}'.")
    return Filter(predicate)


_Q = r"'((?:[^']|'')*)'"
_TAG_FORMS = (
    re.compile(rf"^\s*tagname\s+eq\s+{_Q}(?:\s+and\s+tagvalue\s+eq\s+{_Q})?\s*$", re.I),
    re.compile(rf"^\s*tagvalue\s+eq\s+{_Q}()\s*$", re.I),
    re.compile(rf"^\s*startswith\s*\(\s*tagname\s*,\s*{_Q}\s*\)()\s*$", re.I),
)


def _tag_filter(text: str) -> Filter | None:
    """The three tag forms, which stand alone; a tag property anywhere else is refused."""
    for form, m in ((i, f.match(text)) for i, f in enumerate(_TAG_FORMS)):
        if m is None:
            continue
        first, second = (g.replace("''", "'") if g else g for g in m.groups())
        if form == 0:
            name, value = first.lower(), second
            return Filter(_has_tag(name.__eq__, value), drops_tags=value is not None)
        if form == 1:
            return Filter(_has_tag(lambda _k: True, first), drops_tags=True)
        prefix = first.lower()
        return Filter(_has_tag(lambda k, p=prefix: k.startswith(p), None))
    if re.search(r"\btag(name|value)\b", text, re.I):
        raise refused(text, "A tag filter cannot be combined with other properties.")
    return None


def _has_tag(name_ok: Callable[[str], bool], value: str | None) -> Predicate:
    def match(d: Item) -> bool:
        return any(
            name_ok(k.lower()) and (value is None or str(v) == value)
            for k, v in (d.get("tags") or {}).items()
        )

    return match
