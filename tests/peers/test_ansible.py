"""Ansible's azure.azcollection, unmodified, builds rule type 2 on the local cloud alone: a
group, a VNet and subnet, two public IPs, an internal and a public load balancer each with two
frontends and two Floating IP rules on port 80, a NIC in both pools, a VM from an image, a
run-command and a show (``tests/peers/ansible/build.yml``). Run again, the same playbook
changes nothing (``changed=0``); the teardown playbook deletes the group. The trap proxy sees no
connection, so nothing left the machine."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.peers

PLAYBOOKS = Path(__file__).parent / "ansible"


def test_ansible_builds_twice_with_nothing_changed_the_second_time(ansible, served, trap):
    first = ansible(PLAYBOOKS / "build.yml")
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
    assert first.recap["failed"] == 0 and first.recap["changed"] >= 8, first.recap

    cloud = served.cloud
    ids = {r["id"].lower(): r for r in cloud.resources()}
    base = f"/subscriptions/{cloud.DEFAULT_SUBSCRIPTION}/resourcegroups/rg/providers/"
    for name in ("lbint", "lbpub"):
        lb = ids[f"{base}microsoft.network/loadbalancers/{name}"]
        rules = lb["properties"]["loadBalancingRules"]
        assert len(lb["properties"]["frontendIPConfigurations"]) == 2
        assert [r["properties"]["enableFloatingIP"] for r in rules] == [True, True]
        assert {r["properties"]["frontendPort"] for r in rules} == {80}
    vm = ids[f"{base}microsoft.compute/virtualmachines/vm1"]
    [ran] = cloud.run_command_history(vm["id"])
    assert ran.script == ["echo hello"]

    second = ansible(PLAYBOOKS / "build.yml")
    assert second.returncode == 0, second.stdout[-4000:] + second.stderr[-2000:]
    assert second.recap["changed"] == 0, second.stdout[-4000:]

    down = ansible(PLAYBOOKS / "teardown.yml")
    assert down.returncode == 0, down.stdout[-4000:] + down.stderr[-2000:]
    assert not [r for r in cloud.resources() if "/resourcegroups/rg/" in r["id"].lower()]
    assert trap.seen == []
