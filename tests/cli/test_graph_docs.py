"""The example pictures in ``docs/pictures/`` are the tool's own output, and stay so.

Each example blueprint is drawn from the blueprint alone (SVG) and the seed's rule type 2 also as
Mermaid and as a tree, exactly as ``provision graph`` draws them, and once more as it looks
after ``up`` and ``verify``, with seed 004's example addresses (65.52.0.1 and 65.52.0.2); this
test fails when a file drifts from what the tool draws now. Regenerate with
``PROVISION_REGENERATE_PICTURES=1 pytest tests/cli/test_graph_docs.py`` and look at the result
before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from provisioner.blueprint.loader import load_blueprint
from provisioner.cli.graph import GraphFormat, render
from provisioner.compile.mapping import mapping_rows, resolve_mapping
from provisioner.plan.picture import blueprint_picture, with_guest_results

ROOT = Path(__file__).resolve().parents[2]
PICTURES = ROOT / "docs" / "pictures"
BLUEPRINTS = sorted((ROOT / "blueprints").glob("*.yaml"))
EXTRA = {"rule-type-2-floating-ip": (GraphFormat.mermaid, GraphFormat.tree)}
SUFFIX = {GraphFormat.svg: ".svg", GraphFormat.mermaid: ".mmd", GraphFormat.tree: ".txt"}


def _wanted() -> dict[Path, str]:
    out = {}
    for path in BLUEPRINTS:
        picture = blueprint_picture(load_blueprint(path).blueprint)
        for fmt in (GraphFormat.svg, *EXTRA.get(path.stem, ())):
            out[PICTURES / f"{path.stem}{SUFFIX[fmt]}"] = render(picture, fmt)
    bp = load_blueprint(ROOT / "blueprints" / "rule-type-2-floating-ip.yaml").blueprint
    rows = resolve_mapping(
        mapping_rows(bp),
        {("lb", "green"): "65.52.0.1", ("lb", "purple"): "65.52.0.2"},
        {"vm1": "10.0.1.4", "vm2": "10.0.1.5"},
    )
    live = blueprint_picture(bp, rows, env="rule-type-2", source="live")
    live = with_guest_results(live, {"vm1": (True, "converged"), "vm2": (True, "converged")})
    for fmt in (GraphFormat.svg, GraphFormat.mermaid):
        out[PICTURES / f"rule-type-2-floating-ip-verified{SUFFIX[fmt]}"] = render(live, fmt)
    return out


def test_the_docs_pictures_are_what_the_tool_draws() -> None:
    wanted = _wanted()
    if os.environ.get("PROVISION_REGENERATE_PICTURES"):
        PICTURES.mkdir(exist_ok=True)
        for path, text in wanted.items():
            path.write_text(text, encoding="utf-8")
    drifted = [
        str(p.relative_to(ROOT))
        for p, text in wanted.items()
        if not p.is_file() or p.read_text(encoding="utf-8") != text
    ]
    assert drifted == [], "regenerate: PROVISION_REGENERATE_PICTURES=1 pytest " + __file__
    stray = {p for p in PICTURES.iterdir()} - set(wanted)
    if stray:
        pytest.fail(f"not drawn by the tool: {sorted(str(p) for p in stray)}")
