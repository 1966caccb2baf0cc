"""A blueprint whose NSG needs more than Azure's 1,000 rules, one per port, comes up against the
local cloud (which refuses a 1,001st rule as Azure does), its derived rules folded into port
lists; one port more is one NSG rule changed, by name, in the plan (docs/blueprint.md,
"Security")."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.e2e.conftest import ROOT

sys.path.insert(0, str(ROOT / "tests" / "compile"))
from nsg_fold_helpers import RULES, port_of, wide_doc  # noqa: E402

ENV = "wide"
NSG = f"network_security_group/nsg-{ENV}"


def _write(tmp_path: Path, rules: int) -> Path:
    path = tmp_path / f"wide-{rules}.yaml"
    path.write_text(json.dumps(wide_doc(rules)))  # JSON is YAML
    return path


def test_a_blueprint_past_1000_nsg_rules_comes_up_and_one_port_more_changes_one_rule(
    cloud, cli, tmp_path
):
    up = cli("up", str(_write(tmp_path, RULES)), "--env", ENV, "--yes", "-o", "json")
    assert up.exit_code == 0, up.stdout[-2000:] + up.stderr[-2000:]

    from provisioner.arm.target import open_target

    target = open_target("local", local_cloud=cloud)
    try:
        nsg = target.network.network_security_groups.get(f"rg-{ENV}", f"nsg-{ENV}")
    finally:
        target.close()
    live = {r.name: r for r in nsg.security_rules}
    assert len(live) <= 1000
    rows = [r for n, r in live.items() if n.startswith("lb_")]  # the probes' rule aside
    ports = [int(p) for r in rows for p in r.destination_port_ranges]
    assert sorted(ports) == [port_of(i) for i in range(RULES)]

    plan = cli("plan", str(_write(tmp_path, RULES + 1)), "--env", ENV, "-o", "json")
    assert plan.exit_code == 0, plan.stdout[-2000:] + plan.stderr[-2000:]
    changes = {c["key"]: c for c in plan.json()["changes"]}
    paths = [fc["path"] for fc in changes[NSG]["field_changes"]]
    touched = {p.split("securityRules[", 1)[1].split("]", 1)[0] for p in paths}
    assert len(touched) == 1, paths
    (name,) = touched
    assert name in live and all("priority" not in p for p in paths)
    after = json.dumps([fc["after"] for fc in changes[NSG]["field_changes"]])
    assert str(port_of(RULES)) in after
