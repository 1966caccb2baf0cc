"""Property: wherever an unknown key is written, in any layout, the error names its line."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from provisioner.blueprint.loader import parse_blueprint
from provisioner.errors import BlueprintInvalid

INJECTED = "zzunknownfield"
names = st.from_regex(r"[a-z][a-z0-9]{0,7}", fullmatch=True)
ports = st.integers(min_value=1, max_value=65535)


@st.composite
def blueprint_documents(draw) -> tuple[dict[str, Any], list[tuple[str, ...]]]:
    """A valid-shaped blueprint and the paths of its model mappings (where a key can go)."""
    targets: list[tuple[str, ...]] = [(), ("network",)]
    subnet_names = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    subnets: dict[str, Any] = {}
    for i, name in enumerate(subnet_names):
        if draw(st.booleans()):
            subnets[name] = f"10.0.{i}.0/24"
        else:
            subnets[name] = {"prefix": f"10.0.{i}.0/24"}
            targets.append(("network", "subnets", name))
    vms: dict[str, Any] = {}
    for name in draw(st.lists(names, max_size=3, unique=True)):
        vm: dict[str, Any] = {"subnet": draw(st.sampled_from(subnet_names))}
        if draw(st.booleans()):
            vm["os"] = draw(st.sampled_from(["linux", "windows"]))
        if draw(st.booleans()):
            vm["count"] = draw(st.integers(1, 5))
        vms[name] = vm
        targets.append(("vms", name))
    lbs: dict[str, Any] = {}
    for lb_name in draw(st.lists(names, max_size=2, unique=True)):
        base = ("load_balancers", lb_name)
        frontends = {n: {} for n in draw(st.lists(names, min_size=1, max_size=3, unique=True))}
        probes = {n: {"port": draw(ports)} for n in draw(st.lists(names, max_size=2, unique=True))}
        rules = {
            n: {
                "frontend": draw(st.sampled_from(list(frontends))),
                "port": draw(ports),
                "pool": "p",
            }
            for n in draw(st.lists(names, max_size=3, unique=True))
        }
        lbs[lb_name] = {"type": "public", "frontends": frontends, "probes": probes, "rules": rules}
        targets.append(base)
        targets += [(*base, "frontends", n) for n in frontends]
        targets += [(*base, "probes", n) for n in probes]
        targets += [(*base, "rules", n) for n in rules]
    doc: dict[str, Any] = {
        "blueprint": 1,
        "name": draw(names),
        "location": "westeurope",
        "network": {"address_space": "10.0.0.0/16", "subnets": subnets},
    }
    if vms:
        doc["vms"] = vms
    if lbs:
        doc["load_balancers"] = lbs
    if draw(st.booleans()):
        doc["guest"] = {"firewall": "auto"}
        targets.append(("guest",))
    return doc, targets


def inject(doc: dict[str, Any], path: tuple[str, ...], position: int, value: Any) -> None:
    node = doc
    for key in path:
        node = node[key]
    items = list(node.items())
    items.insert(position % (len(items) + 1), (INJECTED, value))
    node.clear()
    node.update(items)


def dump(doc: dict[str, Any], flow: bool | None, indent: int, comments: list[int]) -> str:
    yaml = YAML()
    yaml.default_flow_style = flow
    yaml.indent(mapping=indent, sequence=indent + 2, offset=indent)
    buffer = io.StringIO()
    yaml.dump(doc, buffer)
    lines = buffer.getvalue().splitlines()
    if flow is False:  # own-line comments and blank lines are safe between block lines
        for at in sorted({c % (len(lines) + 1) for c in comments}, reverse=True):
            lines.insert(at, "# a comment" if at % 2 else "")
    return "\n".join(lines) + "\n"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    generated=blueprint_documents(),
    choice=st.integers(min_value=0),
    position=st.integers(min_value=0, max_value=20),
    value=st.one_of(st.integers(), st.sampled_from(["x", "on", "10.0.0.1"]), st.just({"a": 1})),
    flow=st.sampled_from([False, None, True]),
    indent=st.integers(min_value=2, max_value=4),
    comments=st.lists(st.integers(min_value=0), max_size=5),
)
def test_unknown_key_is_reported_at_the_line_and_column_where_it_is_written(
    generated, choice, position, value, flow, indent, comments
):
    doc, targets = generated
    target = targets[choice % len(targets)]
    inject(doc, target, position, value)
    text = dump(doc, flow, indent, comments)
    (line, column), *others = [
        (n, row.index(INJECTED) + 1)
        for n, row in enumerate(text.splitlines(), start=1)
        if INJECTED in row
    ]
    assert not others

    with pytest.raises(BlueprintInvalid) as caught:
        parse_blueprint(text, "generated.yaml")

    (finding,) = caught.value.findings
    assert finding.code == "UnknownField"
    assert finding.path == (*target, INJECTED)
    assert (finding.location.line, finding.location.column) == (line, column)
