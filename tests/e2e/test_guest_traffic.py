"""Appliances that forward, probe ports opened, and `up` saying when nothing listens yet:
end to end against the local cloud's simulated guest."""

from __future__ import annotations

import json
from pathlib import Path

from provisioner.localcloud import guest as simulated

ROOT = Path(__file__).resolve().parents[2]
NVA = ROOT / "blueprints" / "internal-ha-ports.yaml"
MIXED = str(ROOT / "blueprints" / "mixed-rule-types.yaml")
MANIFEST = "# provisioner-guest-manifest: "
NOT_LISTENING = (
    "nothing listens on probe port {port} yet: the load balancer will see this backend down"
    " until the service starts"
)


def by_type(cloud, arm_type: str) -> dict[str, dict]:
    """Resources of one type by the last part of their name (``vm-internal-ha-ports-nva-1`` →
    ``nva-1``)."""
    out = {}
    for res in cloud.resources():
        if str(res.get("type", "")).lower() == arm_type.lower():
            out["-".join(res["name"].split("-")[-2:])] = res
    return out


def applied(cloud, vm_id: str) -> list[dict]:
    out = []
    for rec in cloud.run_command_history(vm_id):
        manifest = json.loads(
            next(x for x in rec.script if x.startswith(MANIFEST))[len(MANIFEST) :]
        )
        if manifest["action"] == "apply":
            out.append(manifest)
    return out


def quiet(cloud, vm_id: str) -> None:
    """The VM's applications listen on no port at all."""
    simulated.set_guest_listeners(cloud, vm_id, [])


def test_an_appliance_gets_forwarding_on_its_nic_and_in_its_guest_and_loses_both(
    cli, cloud, tmp_path
):
    assert cli("up", str(NVA), "--yes").exit_code == 0
    nics = by_type(cloud, "Microsoft.Network/networkInterfaces")
    vms = by_type(cloud, "Microsoft.Compute/virtualMachines")
    assert set(nics) == {"nva-1", "nva-2"}
    for name, nic in nics.items():
        assert nic["properties"]["enableIPForwarding"] is True
        address = nic["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"]
        [manifest] = applied(cloud, vms[name]["id"])
        assert manifest["forwarding"] is True
        assert manifest["probes"] == [
            {"address": address, "port": 22, "protocol": "tcp", "source": "168.63.129.16"}
        ]
        state = cloud.guest_state(vms[name]["id"])
        assert state["forwarding"] is True and len(state["probe_open"]) == 1
    check = cli("guest", str(NVA), "--check", "--output", "json")
    assert check.exit_code == 0 and check.json()["ok"], check.stdout
    assert [vm["found"] for vm in check.json()["vms"]] == 2 * [
        "frontends bound 1/1; floating ports open 1/1; probe ports open 1/1;"
        " probe ports listening 1/1; IPv4 forwarding on, persisted"
    ]
    text = cli("guest", str(NVA), "--check").stdout
    assert "found: frontends bound 1/1; floating ports open 1/1; probe ports open 1/1" in text

    plain = tmp_path / NVA.name
    plain.write_text(NVA.read_text().replace(", ip_forwarding: true}", "}"))
    run = cli("up", str(plain), "--yes")
    assert run.exit_code == 0, run.stdout + run.stderr
    nics = by_type(cloud, "Microsoft.Network/networkInterfaces")
    assert [n["properties"]["enableIPForwarding"] for n in nics.values()] == [False, False]
    for vm in vms.values():
        assert applied(cloud, vm["id"])[-1]["forwarding"] is False
        assert cloud.guest_state(vm["id"])["forwarding"] is False


def test_up_says_plainly_when_nothing_listens_on_a_probe_port_yet(cli, cloud):
    assert cli("up", MIXED, "--yes").exit_code == 0
    machines = by_type(cloud, "Microsoft.Compute/virtualMachines")
    vms = {k.rsplit("-", 1)[-1]: v for k, v in machines.items()}
    quiet(cloud, vms["vm1"]["id"])
    assert cli("guest", MIXED, "--remove").exit_code == 0  # so that `up` configures again

    run = cli("up", MIXED, "--yes")
    assert run.exit_code == 0, run.stdout + run.stderr
    nic = by_type(cloud, "Microsoft.Network/networkInterfaces")["rules-vm1"]
    ip = nic["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"]
    note = NOT_LISTENING.format(port=f"{ip} tcp/53, {ip} tcp/8080, {ip} tcp/8081")
    assert f"note: vm1: {note}" in " ".join(run.stderr.split())
    assert "vm2:" not in run.stderr.split("note:")[-1], "vm2's applications listen"

    doc = cli("guest", MIXED, "--check", "--output", "json").json()
    notes = {v["vm"]: v["notes"] for v in doc["vms"]}
    assert notes == {"vm1": [note], "vm2": []}
    assert doc["ok"] is True, "nothing listening is the application's business, not a failure"
