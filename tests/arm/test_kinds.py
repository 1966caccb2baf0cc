"""The kind registry is complete: every ``Kind`` can be read, written, tagged, ordered and
deleted, with facts checked against the real SDK clients rather than taken on trust."""

from __future__ import annotations

import pytest

from provisioner.arm.kinds import (
    SPECS,
    TagPatch,
    deletion_order,
    kind_of_type,
    spec,
)
from provisioner.compile.desired import Kind
from provisioner.compile.ids import top_level_id as top_level

TAG_METHOD = {
    TagPatch.GROUP: "update",
    TagPatch.COMPUTE: "begin_update",
    TagPatch.NETWORK: "update_tags",
}


@pytest.fixture(scope="module")
def target():
    from provisioner.arm.target import open_target
    from provisioner.localcloud import LocalCloud

    cloud = LocalCloud()
    t = open_target("local", local_cloud=cloud)
    yield t
    t.close()
    cloud.close()


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_has_a_complete_spec_that_the_sdk_agrees_with(kind, target):
    s = spec(kind)
    assert s.kind is kind
    provider, _, arm_type = s.arm_type.partition("/")
    assert provider.startswith("Microsoft.") and arm_type, s.arm_type
    assert kind_of_type(s.arm_type.upper()) is kind  # ARM types match without case
    model = s.model_class()
    assert isinstance(model, type) and hasattr(model, "as_dict")
    ops = getattr(getattr(target, s.client), s.operations)
    writer = "create_or_update" if s.subscription_level else "begin_create_or_update"
    for method in ("get", "begin_delete", writer, TAG_METHOD[s.tag_patch]):
        assert callable(getattr(ops, method, None)), f"{kind}: {s.operations}.{method}"
    assert s.delete_phase is not None


def test_kinds_are_ordered_one_way_for_creation_and_the_other_for_deletion():
    ranks = [s.create_rank for s in SPECS.values()]
    assert len(set(ranks)) == len(ranks)
    order = deletion_order()
    assert set(order) == set(Kind)
    assert order[0] is Kind.VIRTUAL_MACHINE and order[-1] is Kind.RESOURCE_GROUP


def test_a_kept_nic_pins_what_it_uses_but_a_kept_load_balancer_pins_no_nic():

    sub = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network"
    nic = {
        "properties": {
            "virtualMachine": {"id": "/subscriptions/s/resourceGroups/t/providers/x/y/vm"},
            "ipConfigurations": [
                {
                    "id": f"{sub}/networkInterfaces/nic/ipConfigurations/ip",
                    "properties": {
                        "subnet": {"id": f"{sub}/virtualNetworks/vnet/subnets/default"},
                        "loadBalancerBackendAddressPools": [
                            {"id": f"{sub}/loadBalancers/lb/backendAddressPools/app"}
                        ],
                    },
                }
            ],
        }
    }
    assert {top_level(u) for u in spec(Kind.NETWORK_INTERFACE).uses_of(nic)} == {
        f"{sub}/virtualNetworks/vnet".lower(),
        f"{sub}/loadBalancers/lb".lower(),
    }
    lb = {
        "properties": {
            "frontendIPConfigurations": [
                {"properties": {"publicIPAddress": {"id": f"{sub}/publicIPAddresses/pip"}}}
            ],
            "backendAddressPools": [
                {
                    "properties": {
                        "backendIPConfigurations": [
                            {"id": f"{sub}/networkInterfaces/nic/ipConfigurations/ip"}
                        ]
                    }
                }
            ],
        }
    }
    assert spec(Kind.LOAD_BALANCER).uses_of(lb) == [f"{sub}/publicIPAddresses/pip"]
