"""``provision verify --datapath`` against the local cloud, with NSGs written by hand through the
real SDK: the data path reads them back through Azure's effectiveNetworkSecurityGroups and the
kernel enforces them; the local cloud's ipFlowVerify and rule health agree.

Needs root, iproute2 and nftables (skipped cleanly elsewhere).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from provisioner.cli.app import app
from provisioner.guest.datapath import available

ROOT = Path(__file__).resolve().parents[2]
MIXED = ROOT / "blueprints" / "mixed-rule-types.yaml"
PAIR = ROOT / "blueprints" / "public-internal-pair.yaml"
RULE2 = ROOT / "blueprints" / "rule-type-2-floating-ip.yaml"

_WHY = available()
pytestmark = [pytest.mark.datapath, pytest.mark.skipif(_WHY is not None, reason=_WHY or "")]


@pytest.fixture
def cloud(tmp_path):
    from provisioner.localcloud import LocalCloud

    lc = LocalCloud(tmp_path / "cloud.sqlite")
    yield lc
    lc.close()


@pytest.fixture
def cli(cloud):
    runner = CliRunner()

    def run(*args: str) -> Any:
        result = runner.invoke(app, [*args, "--state", str(cloud.state_path)])
        return result

    return run


@pytest.fixture
def net(cloud):
    from provisioner.arm.target import open_target

    target = open_target(cloud="local", local_cloud=cloud)
    yield target.network
    target.close()


def rule(name: str, priority: int, port: str, protocol: str = "Tcp", **kw: Any) -> dict[str, Any]:
    props = {
        "protocol": protocol,
        "access": "Allow",
        "direction": "Inbound",
        "priority": priority,
        "sourceAddressPrefix": "Internet",
        "sourcePortRange": "*",
        "destinationAddressPrefix": "*",
        "destinationPortRange": port,
        **kw,
    }
    return {"name": name, "properties": props}


def attach_subnet_nsg(net, env: str, *rules: dict[str, Any]) -> Any:
    """An NSG with ``rules`` on the environment's subnet (a subnet child PUT keeps the rest)."""
    rg, vnet = f"rg-{env}", f"vnet-{env}"
    location = net.virtual_networks.get(rg, vnet).location
    nsg = net.network_security_groups.begin_create_or_update(
        rg, "nsg-hand", {"location": location, "properties": {"securityRules": list(rules)}}
    ).result()
    for subnet in net.subnets.list(rg, vnet):
        body = subnet.as_dict()
        body.setdefault("properties", {})["networkSecurityGroup"] = {"id": nsg.id}
        net.subnets.begin_create_or_update(rg, vnet, subnet.name, body).result()
    return nsg


def datapath(cli, blueprint: Path) -> dict[str, Any]:
    run = cli("verify", str(blueprint), "--datapath", "--output", "json")
    doc = json.loads(run.stdout)
    doc["exit"] = run.exit_code
    return doc


def rows(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["rule"]: r for r in doc["rows"]}


def test_an_nsg_written_by_hand_decides_the_rows_and_removing_one_rule_fails_exactly_its_rows(
    cli, net
):
    assert cli("up", str(MIXED), "--yes").exit_code == 0
    attach_subnet_nsg(
        net,
        "mixed-rules",
        rule("web", 100, "80"),
        rule("app", 110, "8080"),
        rule("dns", 120, "53", protocol="Udp"),
    )
    first = datapath(cli, MIXED)
    assert first["exit"] == 0 and all(r["ok"] for r in first["rows"]), first

    net.security_rules.begin_delete("rg-mixed-rules", "nsg-hand", "dns").result()
    second = rows(datapath(cli, MIXED))
    assert [name for name, r in second.items() if not r["ok"]] == ["lb/green-dns"]
    assert second["lb/green-dns"]["detail"] == (
        "dropped by NSG nsg-hand (subnet): defaultSecurityRules/DenyAllInBound"
    )


def test_internal_rows_come_from_inside_the_virtual_network(cli, net):
    """Only port 80 from the Internet is opened: the internal frontend's row passes by the
    default AllowVnetInBound because its client sits in the virtual network."""
    assert cli("up", str(PAIR), "--yes").exit_code == 0
    attach_subnet_nsg(net, "public-internal-pair", rule("web", 100, "80"))
    doc = datapath(cli, PAIR)
    assert doc["exit"] == 0, doc
    assert set(rows(doc)) == {"edge/http", "inner/api"}


def without_nsg(tmp_path: Path, blueprint: Path) -> Path:
    """``blueprint`` with ``security: none`` (acknowledged): the environment gets no NSG."""
    text = blueprint.read_text()
    assert "\nsecurity: managed\n" in text
    out = tmp_path / blueprint.name
    out.write_text(
        text.replace(
            "\nsecurity: managed\n", "\nsecurity: {mode: none, acknowledge_no_nsg: true}\n"
        )
    )
    return out


def test_standard_public_load_balancer_without_nsg(cli, net, cloud, tmp_path):
    """ipFlowVerify says Deny and, secure-by-default being enforced in the data path, every
    public row fails naming the missing NSG. Probes still pass: they are platform traffic."""
    bare = without_nsg(tmp_path, RULE2)
    assert cli("up", str(bare), "--yes").exit_code == 0
    vm = next(r for r in cloud.resources() if r["type"].endswith("virtualMachines"))
    nic = net.network_interfaces.get("rg-rule-type-2", "nic-rule-type-2-vm1")
    flow = net.network_watchers.begin_verify_ip_flow(
        "NetworkWatcherRG",
        "NetworkWatcher_westeurope",
        {
            "targetResourceId": vm["id"],
            "direction": "Inbound",
            "protocol": "TCP",
            "localIPAddress": nic.ip_configurations[0].private_ip_address,
            "localPort": "80",
            "remoteIPAddress": "100.64.0.10",
            "remotePort": "40000",
        },
    ).result()
    assert flow.access == "Deny"

    doc = datapath(cli, bare)  # enforced by default, as on Azure
    assert doc["exit"] == 1
    assert all(
        not r["ok"] and "no NSG on the subnet or the NIC" in r["detail"] for r in doc["rows"]
    )

    health = net.load_balancer_load_balancing_rules.begin_health(
        "rg-rule-type-2", "lb-rule-type-2-lb", "green"
    ).result()
    assert health.up == 2


def test_the_example_blueprint_carries_traffic_with_secure_by_default_enforced(
    cli, net, cloud, monkeypatch
):
    """Issue 10: the environment's own NSG (``security: managed``) admits every row, so the
    example passes the data path even where an NSG-less Standard load balancer passes nothing;
    ipFlowVerify agrees for the Floating IP row's packet (addressed to the frontend IP)."""
    import provisioner.guest.verify as verify

    assert cli("up", str(RULE2), "--yes").exit_code == 0
    monkeypatch.setattr(verify, "SECURE_BY_DEFAULT", True)
    doc = datapath(cli, RULE2)
    assert doc["exit"] == 0 and doc["rows"] and all(r["ok"] for r in doc["rows"]), doc


@pytest.mark.parametrize(
    "name",
    ["rule-type-1", "mixed-rule-types", "public-internal-pair", "ipv6-public-frontend"],
)
def test_every_sendable_example_carries_traffic_through_its_own_nsg(cli, name):
    """Issue 11's done-when, for the examples the data path can send (Linux backends, no HA
    ports): with secure by default enforced, every row passes the environment's own NSG; IPv6
    rows come from a global unicast client, as Internet traffic does."""
    blueprint = ROOT / "blueprints" / f"{name}.yaml"
    assert cli("up", str(blueprint), "--yes").exit_code == 0
    doc = datapath(cli, blueprint)
    assert doc["exit"] == 0 and doc["rows"] and all(r["ok"] for r in doc["rows"]), doc
