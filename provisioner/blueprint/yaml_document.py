"""YAML text → plain data + a source map, with every YAML-level problem reported at once.

The document is *composed* (a YAML parser: nodes with line/column marks) and built into
plain dicts/lists/scalars here rather than by a YAML constructor, because the constructor stops
at the first duplicate key, forgets where merged keys came from, and returns ruamel's scalar
subclasses. Building it ourselves gives every duplicate key in one run, positions for keys that
arrived through ``<<:`` merges (the anchor's text), and values pydantic sees as plain Python.

Composing is ruamel.yaml's (YAML 1.2: ``yes`` and ``0777`` stay text) and pure Python: ~0.7 s for
a blueprint at Azure's limits. When PyYAML's libyaml binding is installed, a document is first
scanned and parsed in C and composed here from libyaml's events, with ruamel's 1.2 resolver
deciding every implicit tag, into ruamel nodes, so the result is the same; anything unusual about
the text (a directive, an explicit tag, any error at all) takes the ruamel path, which alone
reports errors.

Both paths hold the input limits while the events stream in, before anything recursive runs on
them: nesting deeper than ``MAX_DEPTH`` (composing recurses once per level, and libyaml's own
composer recurses in C: 100,000 brackets crash the process), a scalar longer than ``MAX_SCALAR``
(Python refuses to convert an integer of more than 4,300 digits), and more than ``MAX_NODES``
nodes, counted again as aliases expand. Each stops the read with one finding at its line.
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass, field
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, ScalarEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver

from provisioner.blueprint.source import NodeKind, NodePosition, SourceMap
from provisioner.errors import BlueprintPath, Finding, SourceLocation

_TAG = "tag:yaml.org,2002:"
_SCALARS_BY_CONSTRUCTOR = {_TAG + t for t in ("int", "float", "bool", "null")}
#: Dates stay text: a blueprint has no date fields, and ``description: 2024-05-01`` is prose.
_SCALARS_AS_TEXT = {_TAG + "str", _TAG + "timestamp"}
_MERGE = _TAG + "merge"

#: Aliases can expand a small file into a huge document ("billion laughs"). A blueprint at
#: Azure's limits (``bench/validate_scale.py``: 600 frontends, 1,500 rules) has ~26,000 nodes, the
#: bench's doubled one ~50,000; the pure-Python path composes ~35,000 nodes a second, so the limit
#: also bounds what a hostile file under the size limit costs.
MAX_NODES = 100_000
#: Nested mappings and lists: a blueprint needs 6 (``load_balancers.lb.rules.web.port``).
MAX_DEPTH = 64
#: Characters in one key or value: a 16,384-bit RSA public key is ~2,800; below Python's
#: 4,300-digit limit on converting text to an integer.
MAX_SCALAR = 4096

#: Findings after which the document is not usable: the loader reports them alone.
UNUSABLE = frozenset({"YamlSyntax", "NestingTooDeep", "ValueTooLong", "TooManyNodes"})


class _LimitExceeded(Exception):
    """A limit was passed: the read stops, and this is its one finding."""

    def __init__(self, code: str, message: str, mark: Any) -> None:
        super().__init__(message)
        self.code, self.message, self.mark = code, message, mark

    def finding(self, file: str) -> Finding:
        return Finding(
            self.code, self.message, location=_loc(file, self.mark.line, self.mark.column)
        )


def _too_deep(mark: Any) -> _LimitExceeded:
    return _LimitExceeded(
        "NestingTooDeep",
        f"mappings and lists are nested more than {MAX_DEPTH} levels deep here",
        mark,
    )


def _too_long(length: int, mark: Any) -> _LimitExceeded:
    return _LimitExceeded(
        "ValueTooLong",
        f"a key or value of {length} characters; at most {MAX_SCALAR} are allowed",
        mark,
    )


def _too_many(aliases: int, mark: Any) -> _LimitExceeded:
    if aliases:
        counted = f"expands to more than {MAX_NODES} nodes through {aliases} aliases"
        counted += " (each alias counts the nodes it repeats)"
    else:
        counted = f"has more than {MAX_NODES} nodes (keys, values, mappings and lists)"
    return _LimitExceeded("TooManyNodes", f"the document {counted}", mark)


@dataclass
class YamlDocument:
    """What the YAML layer produced: data (None when unusable), positions and findings."""

    data: Any
    source: SourceMap
    findings: list[Finding] = field(default_factory=list)


def read_yaml(text: str, file: str) -> YamlDocument:
    """Parse ``text`` (the content of ``file``) into plain data with a source map."""
    # The safe pure-Python composer: same marks as the round-trip one, but it does not collect
    # comments, which makes it markedly faster (~1.5x) on blueprints at Azure's limits.
    yaml = YAML(typ="safe", pure=True)
    yaml.Composer = _BoundedComposer
    try:
        return _read(yaml, text, file)
    except _LimitExceeded as exc:
        return YamlDocument(None, SourceMap(file, {}), [exc.finding(file)])


def _read(yaml: YAML, text: str, file: str) -> YamlDocument:
    was_enabled = gc.isenabled()
    gc.disable()  # ~100,000 long-lived objects at the limits: the collector's passes cost ~40%
    try:
        fast = _compose_in_c(text)
        if isinstance(fast, _Composed):
            return _built(file, yaml, fast.root, fast.aliases)
    finally:
        if was_enabled:
            gc.enable()
    try:
        root = yaml.compose(text)
    except MarkedYAMLError as exc:
        return YamlDocument(None, SourceMap(file, {}), [_syntax_finding(exc, file)])
    except YAMLError as exc:  # unmarked: rare (e.g. a reader error on control characters)
        finding = Finding("YamlSyntax", f"not valid YAML: {exc}", location=_loc(file, 0, 0))
        return YamlDocument(None, SourceMap(file, {}), [finding])
    return _built(file, yaml, root, yaml.composer.aliases)


def _built(file: str, yaml: YAML, root: Node | None, aliases: int) -> YamlDocument:
    builder = _Builder(file, yaml.constructor, aliases)
    data = None if root is None else builder.build(root, (), None)
    return YamlDocument(data, SourceMap(file, builder.nodes), builder.findings)


class _BoundedComposer(Composer):  # type: ignore[misc]
    """ruamel's composer, refusing what passes a limit before it recurses into it."""

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self.levels = 0
        self.nodes = 0
        self.aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent):
            self.aliases += 1
            return super().compose_node(parent, index)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _too_many(0, event.start_mark)
        if isinstance(event, ScalarEvent):
            if len(event.value) > MAX_SCALAR:
                raise _too_long(len(event.value), event.start_mark)
            return super().compose_node(parent, index)
        if self.levels >= MAX_DEPTH:
            raise _too_deep(event.start_mark)
        self.levels += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.levels -= 1


_UNAVAILABLE = object()

#: A directive (``%YAML 1.1`` changes how scalars resolve): left to ruamel, as is any node with
#: an explicit tag (``_EventComposer`` hands those over), while a ``!`` in a comment or in text
#: stays on the fast path.
_NOT_FOR_C = re.compile(r"^%", re.MULTILINE)

try:
    from yaml import events as _events
    from yaml._yaml import CParser as _CParser  # ImportError without libyaml
except ImportError:  # pragma: no cover - PyYAML with libyaml is a dependency
    _CParser = None

#: ruamel's YAML 1.2 resolver, on its own: no directives reach the C path, so the default
#: version, without the resolver asking a loader for one per scalar.
_RESOLVER = VersionedResolver(
    loadumper=SimpleNamespace(_scanner=SimpleNamespace(yaml_version=None))
)


@lru_cache(maxsize=4096)
def _scalar_tag(value: str, implicit: tuple[bool, bool]) -> Any:
    """The resolver's tag for a scalar: blueprints repeat most of theirs (tcp, 80, true, names
    of pools and probes), and resolving tries a regular expression per candidate type."""
    return _RESOLVER.resolve(ScalarNode, value, implicit)


@dataclass(frozen=True)
class _Composed:
    root: Node | None  # None: an empty document
    aliases: int


def _compose_in_c(text: str) -> _Composed | object:
    """The document composed from libyaml's events, or ``_UNAVAILABLE``.

    Raises ``_LimitExceeded`` as soon as the events pass a limit. Any other problem, a syntax
    error included, gives ``_UNAVAILABLE``: ruamel composes again and reports it.
    """
    if _CParser is None or _NOT_FOR_C.search(text):
        return _UNAVAILABLE
    try:
        parser = _CParser(text)
        try:
            composer = _EventComposer(parser)
            return _Composed(composer.single_document(), composer.aliases)
        finally:
            parser.dispose()
    except _LimitExceeded:
        raise
    except Exception:  # any problem at all: ruamel composes again and reports it
        return _UNAVAILABLE


class _Fallback(Exception):
    """Something only the ruamel path handles (or reports)."""


class _EventComposer:
    """libyaml's events → ruamel nodes, as ruamel's composer would make them, within the limits.

    Recursion is one Python call per level, bounded by ``MAX_DEPTH``; libyaml's parser keeps its
    own state on the heap, so a deeper document only costs the events read up to the limit.
    """

    def __init__(self, parser: Any) -> None:
        self._get = parser.get_event
        self._peek = parser.peek_event
        self.anchors: dict[str, Node] = {}
        self.aliases = 0
        self.nodes = 0

    def single_document(self) -> Node | None:
        self._get()  # stream start
        if type(self._peek()) is _events.StreamEndEvent:
            return None
        self._get()  # document start
        root = self._node(0)
        self._get()  # document end
        if type(self._peek()) is not _events.StreamEndEvent:
            raise _Fallback("more than one document")
        return root

    def _node(self, levels: int) -> Node:
        event = self._get()
        kind = type(event)
        anchor = event.anchor
        if kind is _events.AliasEvent:
            self.aliases += 1
            try:
                return self.anchors[anchor]
            except KeyError:
                raise _Fallback("undefined alias") from None
        if anchor is not None and anchor in self.anchors:
            raise _Fallback("an anchor defined twice")  # ruamel warns and takes the last one
        if event.tag is not None and event.tag != "!":
            raise _Fallback("an explicit tag")
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _too_many(0, event.start_mark)
        if kind is _events.ScalarEvent:
            value = event.value
            if len(value) > MAX_SCALAR:
                raise _too_long(len(value), event.start_mark)
            tag = _scalar_tag(value, event.implicit)
            node: Node = ScalarNode(tag, value, event.start_mark, event.end_mark, style=event.style)
            if anchor is not None:
                self.anchors[anchor] = node
            return node
        if levels >= MAX_DEPTH:
            raise _too_deep(event.start_mark)
        inner = levels + 1
        if kind is _events.SequenceStartEvent:
            tag = _RESOLVER.resolve(SequenceNode, None, event.implicit)
            seq = SequenceNode(tag, [], event.start_mark, None, event.flow_style)
            if anchor is not None:
                self.anchors[anchor] = seq  # before the items: an alias inside is a cycle
            items = seq.value
            while type(self._peek()) is not _events.SequenceEndEvent:
                items.append(self._node(inner))
            seq.end_mark = self._get().end_mark
            return seq
        tag = _RESOLVER.resolve(MappingNode, None, event.implicit)
        mapping = MappingNode(tag, [], event.start_mark, None, event.flow_style)
        if anchor is not None:
            self.anchors[anchor] = mapping
        pairs = mapping.value
        while type(self._peek()) is not _events.MappingEndEvent:
            key = self._node(inner)
            pairs.append((key, self._node(inner)))
        mapping.end_mark = self._get().end_mark
        return mapping


def _syntax_finding(exc: MarkedYAMLError, file: str) -> Finding:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "not valid YAML"
    if "'\\t'" in problem or "\t" in problem:
        hint = "YAML indentation must use spaces, not tabs"
    else:
        hint = None
        if exc.context and exc.context_mark is not None and exc.context_mark is not mark:
            where = exc.context_mark.line + 1
            construct = re.sub(r"^while (parsing|scanning) (an? )?", "", exc.context)
            hint = f"look at the {construct} that starts on line {where}"
    location = _loc(file, mark.line, mark.column) if mark else _loc(file, 0, 0)
    related = ()
    if exc.context_mark is not None and exc.context_mark is not mark:
        # Where the construct that could not be finished began (an unclosed bracket, say).
        related = (_loc(file, exc.context_mark.line, exc.context_mark.column),)
    return Finding(
        "YamlSyntax",
        f"not valid YAML: {problem}",
        hint=hint,
        location=location,
        related_locations=related,
    )


def _loc(file: str, line0: int, column0: int) -> SourceLocation:
    return SourceLocation(file, line0 + 1, column0 + 1)


_INVALID = object()
_Pair = tuple[Any, Node, Node]


class _Builder:
    """Walks composed nodes once, recording a position for every path it builds."""

    def __init__(self, file: str, constructor: Any, aliases: int = 0) -> None:
        self.file = file
        self.constructor = constructor
        self.aliases = aliases  # in the text: named when the expansion passes MAX_NODES
        self.nodes: dict[BlueprintPath, NodePosition] = {}
        self.findings: list[Finding] = []
        self._reported: set[tuple[str, int, int]] = set()
        self._active: set[int] = set()  # ids of mapping/sequence nodes being built (cycles)
        self._count = 0

    def build(self, node: Node, path: BlueprintPath, key_loc: SourceLocation | None) -> Any:
        self._count += 1
        if self._count > MAX_NODES:
            raise _too_many(self.aliases, self._entry_mark(path, node))
        value_loc = self._at(node)
        if key_loc is not None and isinstance(node, ScalarNode) and node.value == "":
            # ``network:`` with nothing after it: the empty value "starts" on the next line.
            value_loc = key_loc
        kind: NodeKind = "scalar"
        if isinstance(node, MappingNode):
            kind = "mapping"
        elif isinstance(node, SequenceNode):
            kind = "sequence"
        self.nodes[path] = NodePosition(key_loc, value_loc, kind)
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        if id(node) in self._active:
            self._report("YamlSyntax", node, "an alias refers to a node that contains it")
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            return self._sequence(node, path)
        finally:
            self._active.discard(id(node))

    def _mapping(self, node: MappingNode, path: BlueprintPath) -> dict[Any, Any] | None:
        if node.tag != _TAG + "map":
            self._report("YamlSyntax", node, f"unsupported YAML tag {node.tag}")
            return None
        out: dict[Any, Any] = {}
        for key, key_node, value_node in self._pairs(node, path):
            out[key] = self.build(value_node, (*path, key), self._at(key_node))
        return out

    def _pairs(self, node: MappingNode, path: BlueprintPath) -> list[_Pair]:
        """Explicit pairs first, then merged ones (``<<:``), earlier merge sources winning."""
        explicit: list[_Pair] = []
        merged: list[_Pair] = []
        first_seen: dict[Any, Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.extend(self._merge_sources(value_node, path))
                continue
            key = self._key(key_node)
            if key is _INVALID:
                continue
            if key in first_seen:
                self._duplicate(key, key_node, first_seen[key], path)
                continue
            first_seen[key] = key_node
            explicit.append((key, key_node, value_node))
        for key, key_node, value_node in merged:
            if key not in first_seen:
                first_seen[key] = key_node
                explicit.append((key, key_node, value_node))
        return explicit

    def _merge_sources(self, value: Node, path: BlueprintPath) -> list[_Pair]:
        sources = value.value if isinstance(value, SequenceNode) else [value]
        pairs: list[_Pair] = []
        for source in sources:
            if not isinstance(source, MappingNode):
                self._report("YamlSyntax", source, "a merge key (<<) needs a mapping or aliases")
                continue
            if id(source) in self._active:
                self._report("YamlSyntax", source, "a merge refers to a mapping that contains it")
                continue
            self._active.add(id(source))
            try:
                pairs.extend(self._pairs(source, path))
            finally:
                self._active.discard(id(source))
        return pairs

    def _sequence(self, node: SequenceNode, path: BlueprintPath) -> list[Any] | None:
        if node.tag != _TAG + "seq":
            self._report("YamlSyntax", node, f"unsupported YAML tag {node.tag}")
            return None
        return [self.build(item, (*path, i), self._at(item)) for i, item in enumerate(node.value)]

    def _scalar(self, node: ScalarNode) -> Any:
        if node.tag in _SCALARS_AS_TEXT:
            return node.value
        if node.tag in _SCALARS_BY_CONSTRUCTOR:
            try:
                return self.constructor.construct_object(node, deep=True)
            except ValueError as exc:  # Python's digit limit, set low (PYTHONINTMAXSTRDIGITS)
                raise _LimitExceeded(
                    "ValueTooLong",
                    f"a number of {len(node.value)} characters, more than Python converts here "
                    f"({exc})",
                    node.start_mark,
                ) from exc
        self._report("YamlSyntax", node, f"unsupported YAML tag {node.tag}")
        return None

    def _key(self, node: Node) -> Any:
        if isinstance(node, ScalarNode) and node.tag != _MERGE:
            value = self._scalar(node)
            try:
                hash(value)
            except TypeError:  # pragma: no cover - scalars are hashable
                return _INVALID
            return value
        self._report("YamlSyntax", node, "a mapping key must be a plain value, not a collection")
        return _INVALID

    def _duplicate(self, key: Any, node: Node, first: Node, path: BlueprintPath) -> None:
        first_loc = self._at(first)
        here = self._at(node)
        earlier = (
            f"line {first_loc.line}"
            if first_loc.line != here.line
            else f"column {first_loc.column} of this line"
        )
        where = (node.start_mark.line, node.start_mark.column)
        if ("DuplicateKey", *where) in self._reported:
            return
        self._reported.add(("DuplicateKey", *where))
        self.findings.append(
            Finding(
                "DuplicateKey",
                f"key {key!r} appears twice in the same mapping (first at {earlier})",
                path=(*path, key),
                hint="YAML would silently keep only one of them; remove or rename one",
                location=here,
                related_locations=(first_loc,),
            )
        )

    def _entry_mark(self, path: BlueprintPath, node: Node) -> Any:
        """Where the top-level entry being built is written: the node reached when an expansion
        passes the limit is somewhere in the anchor's text, the entry is what repeats it."""
        top = self.nodes.get(path[:1])
        if top is None or not path:
            return node.start_mark
        where = top.key or top.value
        return SimpleNamespace(line=where.line - 1, column=where.column - 1)

    def _report(self, code: str, node: Node, message: str) -> None:
        where = (node.start_mark.line, node.start_mark.column)
        if (code, *where) in self._reported:
            return
        self._reported.add((code, *where))
        self.findings.append(Finding(code, message, location=self._at(node)))

    def _at(self, node: Node) -> SourceLocation:
        return _loc(self.file, node.start_mark.line, node.start_mark.column)
