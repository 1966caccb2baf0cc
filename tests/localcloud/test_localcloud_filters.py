"""``$filter`` on ``GET …/resources`` as ARM parses it (``provisioner/localcloud/filters.py``),
through the real azure-mgmt-resource client. Grammar: the ``$filter`` parameter of Resources - List
(https://learn.microsoft.com/en-us/rest/api/resources/resources/list); a tag filter combined with
another property is a Bad Request (Azure/azure-rest-api-specs#21324)."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

VNET = "Microsoft.Network/virtualNetworks"
PIP = "Microsoft.Network/publicIPAddresses"


@pytest.fixture
def listed(clients):
    c = clients
    for rg in ("rg1", "rg2"):
        c.resource.resource_groups.create_or_update(rg, {"location": "westeurope"})
    body = {
        "location": "westeurope",
        "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}},
    }
    c.network.virtual_networks.begin_create_or_update("rg1", "vnet1", body).result()
    c.network.virtual_networks.begin_create_or_update("rg2", "vnet1", body).result()
    for name, env in (("pip-a", "blue"), ("pip-b", "green")):
        c.network.public_ip_addresses.begin_create_or_update(
            "rg1",
            name,
            {
                "location": "westeurope",
                "tags": {"env": env},
                "sku": {"name": "Standard"},
                "properties": {"publicIPAllocationMethod": "Static"},
            },
        ).result()
    return c


def _names(c, text: str) -> list[str]:
    return sorted(f"{r.id.split('/')[4]}/{r.name}" for r in c.resource.resources.list(filter=text))


def test_az_cli_lookup_by_group_name_and_type_finds_the_one_resource(listed):
    text = f"resourceGroup eq 'rg1' and name eq 'vnet1' and resourceType eq '{VNET}'"
    assert _names(listed, text) == ["rg1/vnet1"]


def test_keywords_and_properties_are_case_insensitive_and_or_binds_looser(listed):
    text = f"(NAME eq 'pip-a' OR name eq 'pip-b') and resourcetype EQ '{PIP.lower()}'"
    assert _names(listed, text) == ["rg1/pip-a", "rg1/pip-b"]
    assert _names(listed, "name eq 'vnet1' and resourceGroup eq 'RG2' or name eq 'pip-a'") == [
        "rg1/pip-a",
        "rg2/vnet1",
    ]


def test_substringof_and_ne(listed):
    assert _names(listed, "substringof('pip', name)") == ["rg1/pip-a", "rg1/pip-b"]
    assert _names(listed, "substringof('g2', resourceGroup)") == ["rg2/vnet1"]
    # (the Network Watcher Azure creates with the first VNet of a region lives elsewhere)
    ours = "(resourceGroup eq 'rg1' or resourceGroup eq 'rg2')"
    assert _names(listed, f"resourceType ne '{PIP}' and {ours}") == ["rg1/vnet1", "rg2/vnet1"]


def test_tag_name_and_value_match_and_come_back_without_tags(listed):
    found = list(listed.resource.resources.list(filter="tagName eq 'env' and tagValue eq 'blue'"))
    assert [r.name for r in found] == ["pip-a"]
    assert found[0].tags is None  # ARM drops the tags when a tag value is filtered
    by_name = list(listed.resource.resources.list(filter="tagName eq 'ENV'"))
    assert sorted(r.name for r in by_name) == ["pip-a", "pip-b"]
    assert all(r.tags for r in by_name)
    assert _names(listed, "startswith(tagName, 'en')") == ["rg1/pip-a", "rg1/pip-b"]


@pytest.mark.parametrize(
    "text",
    [
        f"tagName eq 'env' and tagValue eq 'blue' and resourceType eq '{PIP}'",
        "name gt 'a'",
        "color eq 'red'",
        "name eq 'unclosed",
        "substringof('a', location)",
        "name eq 'a' and",
        "(name eq 'a'",
        "startswith(name, 'a')",
    ],
)
def test_what_arm_refuses_is_refused_with_its_code(listed, text):
    with pytest.raises(HttpResponseError) as err:
        list(listed.resource.resources.list(filter=text))
    assert err.value.status_code == 400
    assert err.value.error.code == "InvalidFilterInQueryString"
