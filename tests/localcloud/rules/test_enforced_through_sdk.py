"""Each enforced rule, seen through the real azure-mgmt clients over the in-process transport.

Skipped until ``provisioner.localcloud`` exports ``LocalCloud`` with ``.transport()``.
"""

from __future__ import annotations

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError
from lc_rules_docs import (
    child,
    frontend,
    ipconfig,
    lb,
    nat,
    nic,
    pip,
    rule,
    vm,
    vnet,
)

localcloud = pytest.importorskip("provisioner.localcloud")
LocalCloud = getattr(localcloud, "LocalCloud", None)
if LocalCloud is None or not hasattr(LocalCloud, "transport"):
    pytest.skip("the local cloud engine is not ready yet", allow_module_level=True)

from azure.mgmt.compute import ComputeManagementClient  # noqa: E402
from azure.mgmt.network import NetworkManagementClient  # noqa: E402
from azure.mgmt.resource.resources import ResourceManagementClient  # noqa: E402

SUB = "00000000-0000-0000-0000-000000000000"
RG = "rg"


class FakeCredential:
    def get_token(self, *scopes, **kwargs):
        return AccessToken("fake", 4102444800)


def _start(tmp_path):
    return LocalCloud(tmp_path / "cloud.db")


@pytest.fixture
def clients(tmp_path):
    cloud = _start(tmp_path)
    cred = FakeCredential()
    common = {"base_url": cloud.base_url, "transport": cloud.transport(), "polling_interval": 0}
    ResourceManagementClient(cred, SUB, **common).resource_groups.create_or_update(
        RG, {"location": "westeurope"}
    )
    net = NetworkManagementClient(cred, SUB, **common)
    compute = ComputeManagementClient(cred, SUB, **common)
    net.virtual_networks.begin_create_or_update(RG, "vnet", vnet()).result()
    for name in ("pip1", "pip2"):
        net.public_ip_addresses.begin_create_or_update(RG, name, pip(name)).result()
    yield net, compute
    close = getattr(cloud, "close", None)
    if close:
        close()


def refused(call) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as info:
        poller = call()
        if hasattr(poller, "result"):
            poller.result()
    assert info.value.status_code == 400
    return info.value


def put_lb(net, doc):
    return lambda: net.load_balancers.begin_create_or_update(RG, doc["name"], doc)


def internal(name="lb", *rules_, nats=(), fe_ip="10.0.1.4"):
    return lb(name, frontends=[frontend(name, ip=fe_ip)], rules=rules_, nats=nats)


def public(*rules_, frontends=("fe1",)):
    fes = [frontend(name=f, pip_name=f"pip{i + 1}") for i, f in enumerate(frontends)]
    return lb(frontends=fes, rules=rules_)


LB_CASES = {
    "RulesUseSameBackendPortProtocolAndPool": public(
        rule(name="a", fp=80), rule(name="b", fp=8080)
    ),
    "RulesUseSameBackendPortProtocolAndPoolAndFrontendIPWithFloatingIPEnabled": public(
        rule(name="a", fp=80, floating=True), rule(name="b", fp=81, floating=True)
    ),
    "LocalCloudRulesUseSameFrontendIPProtocolAndPort": public(
        rule(name="a", bp=80), rule(name="b", bp=81)
    ),
    "LocalCloudHaPortsRuleRequiresStandardInternalLoadBalancer": public(
        rule(proto="All", fp=0, bp=0)
    ),
    "InvalidResourceReference": internal("lb", rule(probe="missing")),
    "LocalCloudInvalidRulePort": internal("lb", rule(fp=0, bp=80)),
}


@pytest.mark.parametrize("code", sorted(LB_CASES))
def test_violating_load_balancer_put_is_refused_with_azures_code(clients, code):
    net, _ = clients
    assert refused(put_lb(net, LB_CASES[code])).error.code == code


def test_floating_rules_with_different_frontends_are_accepted(clients):
    net, _ = clients
    doc = public(
        rule(name="a", fe="fe1", floating=True),
        rule(name="b", fe="fe2", floating=True),
        frontends=("fe1", "fe2"),
    )
    net.load_balancers.begin_create_or_update(RG, "lb", doc).result()


def test_standard_dynamic_public_ip_is_refused(clients):
    net, _ = clients
    call = lambda: net.public_ip_addresses.begin_create_or_update(  # noqa: E731
        RG, "pip3", pip("pip3", method="Dynamic")
    )
    assert refused(call).error.code == "StandardSkuPublicIPAddressesMustBeStatic"


def test_overlapping_subnets_are_refused(clients):
    net, _ = clients
    doc = vnet("vnet2", subnets={"a": "10.0.0.0/23", "b": "10.0.1.0/24"})
    call = lambda: net.virtual_networks.begin_create_or_update(RG, "vnet2", doc)  # noqa: E731
    assert refused(call).error.code == "NetcfgSubnetRangesOverlap"


def test_two_nat_rules_on_one_ipconfig_with_one_backend_port_are_refused(clients):
    net, _ = clients
    doc = internal("lb", nats=[nat(name="rdp0", fp=50001), nat(name="rdp1", fp=50002)])
    net.load_balancers.begin_create_or_update(RG, "lb", doc).result()
    nats = (child("lb", "inboundNatRules", "rdp0"), child("lb", "inboundNatRules", "rdp1"))
    body = nic("nic1", [ipconfig("nic1", nats=nats)])
    call = lambda: net.network_interfaces.begin_create_or_update(RG, "nic1", body)  # noqa: E731
    assert refused(call).error.code == "RulesUseSameBackendPortProtocolAndIPConfig"


def test_two_internal_load_balancers_on_one_backend_port_are_refused(clients):
    net, _ = clients
    for name, ip in (("a", "10.0.1.4"), ("b", "10.0.1.5")):
        doc = internal(name, rule(name), fe_ip=ip)
        net.load_balancers.begin_create_or_update(RG, name, doc).result()
    pools = (child("a", "backendAddressPools", "pool1"), child("b", "backendAddressPools", "pool1"))
    body = nic("nic1", [ipconfig("nic1", pools=pools)])
    call = lambda: net.network_interfaces.begin_create_or_update(RG, "nic1", body)  # noqa: E731
    assert refused(call).error.code == (
        "RulesOfSameLoadBalancerTypeUseSameBackendPortProtocolAndIPConfig"
    )


def test_static_ip_in_the_reserved_range_is_refused(clients):
    net, _ = clients
    body = nic("nic1", [ipconfig("nic1", ip="10.0.2.2", static=True)])
    call = lambda: net.network_interfaces.begin_create_or_update(RG, "nic1", body)  # noqa: E731
    assert refused(call).error.code == "PrivateIPAddressInReservedRange"


def test_public_ip_in_use_cannot_be_deleted(clients):
    net, _ = clients
    net.load_balancers.begin_create_or_update(RG, "lb", public()).result()
    call = lambda: net.public_ip_addresses.begin_delete(RG, "pip1")  # noqa: E731
    assert refused(call).error.code == "PublicIPAddressCannotBeDeleted"


def test_nic_of_another_vm_is_in_use(clients):
    net, compute = clients
    net.network_interfaces.begin_create_or_update(RG, "nic1", nic("nic1")).result()
    first = vm("vm1") | {"properties": vm("vm1")["properties"] | {"hardwareProfile": {}}}
    compute.virtual_machines.begin_create_or_update(RG, "vm1", first).result()
    call = lambda: compute.virtual_machines.begin_create_or_update(  # noqa: E731
        RG, "vm2", vm("vm2")
    )
    assert refused(call).error.code == "NicInUse"
