"""A checker of Graphviz DOT syntax (the language's grammar, no Graphviz binary needed).

Follows the grammar of graphviz.org/doc/info/lang.html: ``[strict] (graph|digraph) [ID] {
stmt_list }`` with node, edge, attribute and subgraph statements; IDs are names, numerals or
double-quoted strings (``\\"`` the only escape that matters). :func:`parse` raises
``DotSyntaxError`` at the first token that does not fit and returns the node ids and every
``label`` it saw, unquoted, so a test can check what a reader would see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TOKEN = re.compile(
    r"""\s*(?:
        (?P<comment>//[^\n]*|/\*.*?\*/|\#[^\n]*)
      | (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<edgeop>->|--)
      | (?P<numeral>-?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?))
      | (?P<name>[A-Za-z_\x80-\uffff][A-Za-z_0-9\x80-\uffff]*)
      | (?P<punct>[{}\[\];,=:])
    )""",
    re.VERBOSE | re.DOTALL,
)
KEYWORDS = {"strict", "graph", "digraph", "node", "edge", "subgraph"}


class DotSyntaxError(ValueError):
    pass


@dataclass
class Parsed:
    nodes: set[str] = field(default_factory=set)
    labels: list[str] = field(default_factory=list)
    edges: int = 0


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise DotSyntaxError(f"unexpected text at {pos}: {text[pos : pos + 30]!r}")
        pos = m.end()
        kind = m.lastgroup or ""
        if kind == "comment":
            continue
        value = m.group(kind)
        if kind == "name" and value.lower() in KEYWORDS:
            kind = value.lower()
        out.append((kind, value))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.i = 0
        self.out = Parsed()
        self.directed = False

    def peek(self, k: int = 0) -> tuple[str, str]:
        return self.tokens[self.i + k] if self.i + k < len(self.tokens) else ("eof", "")

    def take(self, *kinds: str) -> str:
        kind, value = self.peek()
        if kind not in kinds and value not in kinds:
            raise DotSyntaxError(f"expected {'/'.join(kinds)}, got {value!r} (token {self.i})")
        self.i += 1
        return value

    def is_id(self) -> bool:
        return self.peek()[0] in ("name", "numeral", "string")

    def ident(self) -> str:
        kind, value = self.peek()
        if kind not in ("name", "numeral", "string"):
            raise DotSyntaxError(f"expected an ID, got {value!r} (token {self.i})")
        self.i += 1
        if kind == "string":
            return re.sub(r'\\(["\\])', r"\1", value[1:-1])
        return value

    def graph(self) -> Parsed:
        if self.peek()[0] == "strict":
            self.i += 1
        self.directed = self.take("graph", "digraph") == "digraph"
        if self.is_id():
            self.ident()
        self.block()
        if self.peek()[0] != "eof":
            raise DotSyntaxError(f"text after the graph: {self.peek()[1]!r}")
        return self.out

    def block(self) -> None:
        self.take("{")
        while self.peek()[1] != "}":
            self.stmt()
            if self.peek()[1] == ";":
                self.i += 1
        self.take("}")

    def attr_list(self) -> None:
        while self.peek()[1] == "[":
            self.i += 1
            while self.peek()[1] != "]":
                key = self.ident()
                self.take("=")
                value = self.ident()
                if key == "label":
                    self.out.labels.append(value)
                if self.peek()[1] in (";", ","):
                    self.i += 1
            self.take("]")

    def subgraph(self) -> None:
        if self.peek()[0] == "subgraph":
            self.i += 1
            if self.is_id():
                self.ident()
        self.block()

    def endpoint(self) -> None:
        if self.peek()[0] == "subgraph" or self.peek()[1] == "{":
            self.subgraph()
            return
        self.out.nodes.add(self.ident())
        if self.peek()[1] == ":":
            self.i += 1
            self.ident()

    def stmt(self) -> None:
        kind, value = self.peek()
        if kind in ("graph", "node", "edge"):
            self.i += 1
            self.attr_list()
            return
        if self.is_id() and self.peek(1)[1] == "=":
            key = self.ident()
            self.i += 1
            value = self.ident()
            if key == "label":
                self.out.labels.append(value)
            return
        self.endpoint()
        while self.peek()[0] == "edgeop":
            op = self.take("edgeop")
            if (op == "->") != self.directed:
                raise DotSyntaxError(f"edge {op} in a {'di' if self.directed else ''}graph")
            self.endpoint()
            self.out.edges += 1
        self.attr_list()


def parse(text: str) -> Parsed:
    return _Parser(text).graph()
