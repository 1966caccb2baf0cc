"""YAML text → plain data + a source map, with every YAML-level problem reported at once.

The document is *composed* (a YAML parser: nodes with line/column marks) and built into
plain dicts/lists/scalars here rather than by a YAML constructor, because the constructor stops
at the first duplicate key, forgets where merged keys came from, and returns ruamel's scalar
subclasses. Building it ourselves gives every duplicate key in one run, positions for keys that
arrived through ``<<:`` merges (the anchor's text), and values pydantic sees as plain Python.

Composing is ruamel.yaml's (YAML 1.2: ``yes`` and ``0777`` stay text) and pure Python: ~0.7 s for
a blueprint at Azure's limits. When PyYAML's libyaml binding is installed, a document is first
scanned and parsed in C, with ruamel's 1.2 resolver deciding every implicit tag and the nodes then
handed over as ruamel nodes, so the result is the same; anything unusual about the text (a
directive, an explicit tag, any error at all) takes the ruamel path, which alone reports errors.
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver

from provisioner.blueprint.source import NodeKind, NodePosition, SourceMap
from provisioner.errors import BlueprintPath, Finding, SourceLocation

_TAG = "tag:yaml.org,2002:"
_SCALARS_BY_CONSTRUCTOR = {_TAG + t for t in ("int", "float", "bool", "null")}
#: Dates stay text: a blueprint has no date fields, and ``description: 2024-05-01`` is prose.
_SCALARS_AS_TEXT = {_TAG + "str", _TAG + "timestamp"}
_MERGE = _TAG + "merge"

#: Aliases can expand a small file into a huge document ("billion laughs"); a blueprint at
#: Azure's limits (hundreds of frontends and rules) has a few tens of thousands of nodes.
MAX_NODES = 500_000


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
    was_enabled = gc.isenabled()
    gc.disable()  # ~100,000 long-lived objects at the limits: the collector's passes cost ~40%
    try:
        fast = _compose_in_c(text)
        if fast is not _UNAVAILABLE:
            builder = _Builder(file, yaml.constructor)
            data = None if fast is None else builder.build(cast(Node, fast), (), None)
            return YamlDocument(data, SourceMap(file, builder.nodes), builder.findings)
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
    builder = _Builder(file, yaml.constructor)
    data = None if root is None else builder.build(root, (), None)
    return YamlDocument(data, SourceMap(file, builder.nodes), builder.findings)


_UNAVAILABLE = object()

#: A directive (``%YAML 1.1`` changes how scalars resolve) or a tag: left to ruamel.
_NOT_FOR_C = re.compile(r"^%|!", re.MULTILINE)

try:
    import yaml as _pyyaml

    _CLoader: Any = _pyyaml.CSafeLoader  # AttributeError without libyaml
except (ImportError, AttributeError):  # pragma: no cover - PyYAML is a dependency
    _pyyaml = None
    _CLoader = None

if _CLoader is not None:

    class _CComposer(_CLoader):  # type: ignore[misc, valid-type]
        """libyaml's scanner and parser, ruamel's YAML 1.2 resolver."""

        _kinds: dict[type, type] = {
            _pyyaml.ScalarNode: ScalarNode,
            _pyyaml.SequenceNode: SequenceNode,
            _pyyaml.MappingNode: MappingNode,
        }
        # No directives reach here: the default version (1.2), without the resolver asking a
        # loader for one per scalar (an AttributeError each time when it has none).
        _resolver = VersionedResolver(
            loadumper=SimpleNamespace(_scanner=SimpleNamespace(yaml_version=None))
        )

        def resolve(self, kind: type, value: Any, implicit: Any) -> Any:
            return self._resolver.resolve(self._kinds[kind], value, implicit)


def _compose_in_c(text: str) -> Node | None | object:
    """The document's root as ruamel nodes (None: empty), or ``_UNAVAILABLE``."""
    if _CLoader is None or _NOT_FOR_C.search(text):
        return _UNAVAILABLE
    try:
        loader = _CComposer(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
        return None if root is None else _ruamel_nodes(root)
    except Exception:  # any problem at all: ruamel composes again and reports it
        return _UNAVAILABLE


def _ruamel_nodes(root: Any) -> Node:
    """PyYAML's nodes as ruamel's: same tags, values, marks and sharing (aliases)."""
    made: dict[int, Node] = {}

    def convert(node: Any) -> Node:
        done = made.get(id(node))
        if done is not None:
            return done
        if isinstance(node, _pyyaml.ScalarNode):
            out: Node = ScalarNode(
                node.tag, node.value, node.start_mark, node.end_mark, style=node.style
            )
            made[id(node)] = out
            return out
        if isinstance(node, _pyyaml.SequenceNode):
            seq = SequenceNode(node.tag, [], node.start_mark, node.end_mark, node.flow_style)
            made[id(node)] = seq
            seq.value.extend(convert(item) for item in node.value)
            return seq
        mapping = MappingNode(node.tag, [], node.start_mark, node.end_mark, node.flow_style)
        made[id(node)] = mapping
        mapping.value.extend((convert(k), convert(v)) for k, v in node.value)
        return mapping

    return convert(root)


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

    def __init__(self, file: str, constructor: Any) -> None:
        self.file = file
        self.constructor = constructor
        self.nodes: dict[BlueprintPath, NodePosition] = {}
        self.findings: list[Finding] = []
        self._reported: set[tuple[str, int, int]] = set()
        self._active: set[int] = set()  # ids of mapping/sequence nodes being built (cycles)
        self._count = 0

    def build(self, node: Node, path: BlueprintPath, key_loc: SourceLocation | None) -> Any:
        self._count += 1
        if self._count > MAX_NODES:
            self._report(
                "YamlSyntax",
                node,
                f"the document expands to more than {MAX_NODES} nodes through aliases",
            )
            return None
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
            return self.constructor.construct_object(node, deep=True)
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

    def _report(self, code: str, node: Node, message: str) -> None:
        where = (node.start_mark.line, node.start_mark.column)
        if (code, *where) in self._reported:
            return
        self._reported.add((code, *where))
        self.findings.append(Finding(code, message, location=self._at(node)))

    def _at(self, node: Node) -> SourceLocation:
        return _loc(self.file, node.start_mark.line, node.start_mark.column)
