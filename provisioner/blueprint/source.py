"""Where each part of a blueprint came from: blueprint paths → file, line and column.

Every later stage (rules, compiler, executor) speaks in blueprint *paths*
(``("load_balancers", "lb", "rules", "green", "port")``) and never sees YAML. The CLI turns those
paths into ``file:line:column`` here, once, so a finding always points at the text the user wrote.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from provisioner.errors import BlueprintPath, Finding, SourceLocation

NodeKind = Literal["mapping", "sequence", "scalar"]

#: ``web-2`` is the second VM of ``web: {count: …}``; findings about it belong to ``web``.
_COUNTED_NAME = re.compile(r"^(?P<base>.+)-(?P<n>[1-9][0-9]*)$")


@dataclass(frozen=True)
class NodePosition:
    """One node of the document: where its key (or sequence item) and its value start."""

    key: SourceLocation | None  # None for the document root
    value: SourceLocation
    kind: NodeKind


class SourceMap:
    """Blueprint path → position, for every mapping key and sequence item of one document.

    Paths are the *written* document's paths. Short forms (``pools: {app: [vm1]}`` for
    ``{app: {vms: [vm1]}}``, ``subnets: {backend: 10.0.1.0/24}``) and count-expanded VM names
    (``vms.web-2`` for ``vms.web``) are mapped back to what the user wrote.
    """

    def __init__(self, file: str, nodes: Mapping[BlueprintPath, NodePosition]) -> None:
        self.file = file
        self._nodes = dict(nodes)
        if () not in self._nodes:
            start = SourceLocation(file, 1, 1)
            self._nodes[()] = NodePosition(None, start, "mapping")

    def __contains__(self, path: object) -> bool:
        return path in self._nodes

    def resolve(self, path: BlueprintPath) -> BlueprintPath:
        """The deepest written path that ``path`` names, or its nearest existing ancestor."""
        current: BlueprintPath = ()
        for segment in path:
            candidate = (*current, segment)
            if candidate in self._nodes:
                current = candidate
                continue
            base = self._count_base(current, segment)
            if base is not None:
                current = base
                continue
            if self._nodes[current].kind == "sequence" and isinstance(segment, str):
                # A list written where the model has ``{field: [...]}`` (pool short form):
                # the field name is implicit, the list items follow.
                continue
            break
        return current

    def locate(self, path: BlueprintPath) -> SourceLocation:
        """Where ``path`` is written: its key (or sequence item), else its nearest ancestor's.

        For a field that is missing this is the mapping that should hold it.
        """
        node = self._nodes[self.resolve(path)]
        return node.key or node.value

    def locate_value(self, path: BlueprintPath) -> SourceLocation:
        """Where the *value* at ``path`` starts when it is a written scalar, else ``locate``.

        ``port: 70000`` in a flow mapping on one line: the column of ``70000``, not of ``port``.
        """
        resolved = self.resolve(path)
        node = self._nodes[resolved]
        if node.kind == "scalar":
            return node.value
        return node.key or node.value

    def kind(self, path: BlueprintPath) -> NodeKind | None:
        node = self._nodes.get(path)
        return node.kind if node else None

    def _count_base(self, current: BlueprintPath, segment: str | int) -> BlueprintPath | None:
        if current != ("vms",) or not isinstance(segment, str):
            return None
        match = _COUNTED_NAME.match(segment)
        if match is None:
            return None
        base = ("vms", match["base"])
        return base if base in self._nodes else None


def attach_locations(findings: Iterable[Finding], source: SourceMap) -> list[Finding]:
    """Fill ``location`` and ``related_locations`` of findings from their blueprint paths.

    Findings that already carry a location keep it; the result is in document order.
    """
    out: list[Finding] = []
    for finding in findings:
        location = finding.location or source.locate(finding.path)
        related = finding.related_locations or tuple(source.locate(p) for p in finding.related)
        out.append(dataclasses.replace(finding, location=location, related_locations=related))
    return sorted(out, key=_document_order)


def _document_order(finding: Finding) -> tuple[int, int, int]:
    loc = finding.location
    severity = 0 if finding.severity == "error" else 1
    return (severity, loc.line if loc else 0, loc.column if loc else 0)
