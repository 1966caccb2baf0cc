"""Several processes and threads on one state file see one cloud and lose no update."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

from localcloud_helpers import make_clients
from localcloud_scenario import make_group, make_nic, make_vnet

from provisioner.localcloud import LocalCloud


def _writer(state: str, prefix: str, count: int, subnet_id: str) -> None:
    cloud = LocalCloud(state)
    c = make_clients(cloud, "inprocess")
    for i in range(count):
        make_nic(c, f"{prefix}{i}", subnet_id)
        c.resource.resource_groups.update("rg", {"tags": {f"{prefix}{i}": "x"}})
    cloud.close()


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    state = str(tmp_path / "shared.sqlite")
    cloud = LocalCloud(state)
    c = make_clients(cloud, "inprocess")
    make_group(c)
    subnet = make_vnet(c).subnets[0].id
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(state, p, 15, subnet)) for p in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    nics = list(c.network.network_interfaces.list("rg"))
    assert len(nics) == 30
    addresses = [n.ip_configurations[0].private_ip_address for n in nics]
    assert len(set(addresses)) == 30  # no address handed out twice
    vnet = c.network.virtual_networks.get("rg", "vnet")
    assert len(vnet.subnets[0].ip_configurations) == 30
    writes = [r for r in cloud.request_log() if r.method == "PUT" and "networkInterfaces" in r.path]
    assert len(writes) == 30


def test_threads_share_one_cloud(cloud):
    c = make_clients(cloud, "inprocess")
    make_group(c)
    subnet = make_vnet(c).subnets[0].id
    with ThreadPoolExecutor(4) as pool:
        list(
            pool.map(
                lambda i: make_nic(make_clients(cloud, "inprocess"), f"t{i}", subnet), range(12)
            )
        )
    addresses = {
        n.ip_configurations[0].private_ip_address for n in c.network.network_interfaces.list("rg")
    }
    assert len(addresses) == 12
