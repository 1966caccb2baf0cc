"""Dropping a pool that NICs still reference: the NICs leave it first, then the load balancer
changes (Azure, and the local cloud, refuse a load balancer update that removes a pool still in
use; the order of the writes is checked too)."""

from __future__ import annotations

BEFORE = """\
blueprint: 1
name: pools
location: westeurope
network:
  address_space: 10.0.0.0/16
  subnets:
    backend: 10.0.1.0/24
vms:
  vm1: {subnet: backend}
  vm2: {subnet: backend}
load_balancers:
  lb:
    type: public
    frontends:
      web: {}
    pools:
      app: [vm1, vm2]
      extra: [vm2]
    probes:
      health: {protocol: tcp, port: 8080}
    rules:
      web: {frontend: web, protocol: tcp, port: 80, pool: app, probe: health}
      alt: {frontend: web, protocol: tcp, port: 81, pool: extra, probe: health}
"""

AFTER = BEFORE.replace("      extra: [vm2]\n", "").replace(
    "      alt: {frontend: web, protocol: tcp, port: 81, pool: extra, probe: health}\n", ""
)


def test_dropping_a_pool_in_use_converges(cloud, cli, tmp_path):
    path = tmp_path / "pools.yaml"
    path.write_text(BEFORE)
    first = cli("up", str(path), "--env", "pools", "--yes", "--output", "json")
    assert first.exit_code == 0, first.stdout + first.stderr

    path.write_text(AFTER)
    plan = cli("plan", str(path), "--env", "pools", "--output", "json")
    fields = {
        (c["kind"], f["path"])
        for c in plan.json()["changes"]
        for f in c["field_changes"]
        if not f["path"].startswith("tags.")
    }
    assert ("load_balancer", "backendAddressPools[extra]") in fields
    assert any(kind == "network_interface" for kind, _ in fields)

    cloud.clear_request_log()
    second = cli("up", str(path), "--env", "pools", "--yes", "--output", "json")
    assert second.exit_code == 0, second.stdout + second.stderr
    puts = [r.path.lower() for r in cloud.request_log() if r.method.upper() == "PUT"]
    nic_put = next(i for i, p in enumerate(puts) if p.endswith("/nic-pools-vm2"))
    lb_put = next(i for i, p in enumerate(puts) if p.endswith("/lb-pools-lb"))
    assert nic_put < lb_put, "the NIC must leave the pool before the pool goes"
    again = cli("plan", str(path), "--env", "pools", "--detailed-exitcode", "--output", "json")
    assert again.exit_code == 0, again.stdout

    from provisioner.arm.target import open_target

    target = open_target("local", local_cloud=cloud)
    try:
        lb = target.network.load_balancers.get("rg-pools", "lb-pools-lb")
        assert [p.name for p in lb.backend_address_pools] == ["app"]
        nic = target.network.network_interfaces.get("rg-pools", "nic-pools-vm2")
        pools = nic.ip_configurations[0].load_balancer_backend_address_pools
        assert [p.id.split("/")[-1] for p in pools] == ["app"]
    finally:
        target.close()
