"""`verify` asks Azure itself, without sending traffic: Network Watcher's IP flow verify per row
and backend, and each load balancing rule's health, answered by the local cloud through the same
REST calls (``ipFlowVerify``, ``loadBalancingRules/{rule}/health``)."""

from __future__ import annotations

from pathlib import Path

from conftest import env_resources

from provisioner.localcloud import guest as simulated

ROOT = Path(__file__).resolve().parents[2]
NVA = str(ROOT / "blueprints" / "internal-ha-ports.yaml")
MIXED = str(ROOT / "blueprints" / "mixed-rule-types.yaml")


def vm_ids(cloud) -> dict[str, str]:
    return {
        r["name"].rsplit("-", 2)[-2] + "-" + r["name"].rsplit("-", 1)[-1]: r["id"]
        for r in cloud.resources()
        if str(r.get("type", "")).lower() == "microsoft.compute/virtualmachines"
    }


def test_each_row_gets_an_nsg_verdict_at_each_backend_and_its_backends_health(cli, cloud):
    assert cli("up", NVA, "--yes").exit_code == 0
    run = cli("verify", NVA, "--output", "json")
    assert run.exit_code == 0, run.stdout
    azure = run.json()["azure"]
    assert azure["network_watcher"] == "NetworkWatcherRG/NetworkWatcher_westeurope"
    [row] = azure["rows"]
    assert [(v["vm"], v["access"]) for v in row["nsg"]] == [("nva-1", "Allow"), ("nva-2", "Allow")]
    assert (row["health"]["up"], row["health"]["down"]) == (2, 0)

    text = cli("verify", NVA)
    assert "NSG (IP flow verify)" in text.stdout and "2 up, 0 down" in text.stdout


def test_a_backend_whose_probe_port_nobody_answers_is_down_and_none_up_fails(cli, cloud):
    assert cli("up", NVA, "--yes").exit_code == 0
    ids = vm_ids(cloud)
    simulated.set_guest_listeners(cloud, ids["nva-1"], [])
    run = cli("verify", NVA, "--output", "json")
    [row] = run.json()["azure"]["rows"]
    assert run.exit_code == 0 and (row["health"]["up"], row["health"]["down"]) == (1, 1)
    assert [b["state"] for b in row["health"]["backends"]].count("Down") == 1

    simulated.set_guest_listeners(cloud, ids["nva-2"], [])
    run = cli("verify", NVA)
    assert run.exit_code == 1
    assert "0 up, 2 down" in " ".join(run.stdout.split())
    assert "verify: some rows are not ready" in run.stderr


def test_a_public_row_is_admitted_by_the_compiled_nsg_and_closed_without_one(cli, tmp_path):
    """Standard is secure by default: the NSG the tool compiles admits every row; with
    ``security: none`` (acknowledged) Internet traffic reaches no backend, and verify fails."""
    assert cli("up", MIXED, "--yes").exit_code == 0
    run = cli("verify", MIXED, "--output", "json")
    assert run.exit_code == 0, run.stdout
    rows = {r["rule"]: r for r in run.json()["azure"]["rows"]}
    assert {v["access"] for r in rows.values() for v in r["nsg"]} == {"Allow"}
    assert cli("down", MIXED, "--yes").exit_code == 0

    text = Path(MIXED).read_text()
    start = text.index("security:\n")
    end = text.index("outbound:", start)
    bare = tmp_path / "mixed-no-nsg.yaml"
    bare.write_text(
        text[:start] + "security: {mode: none, acknowledge_no_nsg: true}\n" + text[end:]
    )
    assert cli("up", str(bare), "--yes").exit_code == 0
    run = cli("verify", str(bare), "--output", "json")
    assert run.exit_code == 1, run.stdout
    rows = {r["rule"]: r for r in run.json()["azure"]["rows"]}
    assert {v["access"] for v in rows["purple"]["nsg"]} == {"Deny"}
    assert rows["purple"]["nsg"][0]["rule"].startswith("NoNetworkSecurityGroup/")
    assert (
        "a Standard load balancer is closed to traffic from outside" in run.json()["azure"]["note"]
    )


def test_without_network_watcher_verify_says_so_and_how_to_enable_it(cli, cloud):
    cloud.set_network_watcher_autocreate(False)
    assert cli("up", NVA, "--yes").exit_code == 0
    run = cli("verify", NVA)
    assert run.exit_code == 0
    said = " ".join(run.stderr.split())
    assert "Network Watcher is not enabled in westeurope" in said
    assert (
        "az network watcher configure --resource-group NetworkWatcherRG"
        " --locations westeurope --enabled true"
    ) in said
    assert "not checked (no Network Watcher)" in " ".join(run.stdout.split())
    doc = cli("verify", NVA, "--output", "json").json()["azure"]
    assert doc["network_watcher"] is None
    assert (doc["rows"][0]["health"]["up"], doc["rows"][0]["health"]["down"]) == (2, 0)


def test_a_from_address_that_is_not_ipv4_is_bad_input_and_nothing_is_created(cli, cloud):
    run = cli("verify", NVA, "--from", "fd00::1")
    assert run.exit_code == 2 and "--from: not an IPv4 address" in run.stderr
    assert env_resources(cloud, "internal-ha-ports") == []


def test_the_verify_picture_shows_azure_s_nsg_and_health_verdicts_per_path(cli, tmp_path):
    """The picture's "NSG admits" and "backends up" slots carry IP flow verify and rule health:
    passed with the compiled NSG, failed (naming the deciding rule) without one."""
    assert cli("up", MIXED, "--yes").exit_code == 0
    drawn = cli("verify", MIXED, "--format", "mermaid").stdout
    assert "NSG admits: ✓ passed: Allow (securityRules/" in drawn
    assert "backends up: ✓ passed: 2 up, 0 down" in drawn
    assert cli("down", MIXED, "--yes").exit_code == 0

    text = Path(MIXED).read_text()
    start = text.index("security:\n")
    end = text.index("outbound:", start)
    bare = tmp_path / "mixed-no-nsg.yaml"
    bare.write_text(
        text[:start] + "security: {mode: none, acknowledge_no_nsg: true}\n" + text[end:]
    )
    assert cli("up", str(bare), "--yes").exit_code == 0
    drawn = cli("verify", str(bare), "--format", "mermaid").stdout
    assert "NSG admits: ✗ FAILED: Deny (NoNetworkSecurityGroup/" in drawn
