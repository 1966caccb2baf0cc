"""The VM image catalog (``provisioner/localcloud/images.py``) through the real azure-mgmt-compute
``virtual_machine_images`` operations, as ``az vm create --image`` reads it."""

from __future__ import annotations

import json
import urllib.request

import pytest
from azure.core.exceptions import HttpResponseError

from provisioner.localcloud.images import IMAGES

UBUNTU = ("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2")


def test_versions_of_a_sku_and_one_version_document(clients):
    images = clients.compute.virtual_machine_images
    versions = images.list("westeurope", *UBUNTU)
    assert len(versions) == 1 and versions[0].location == "westeurope"
    one = images.get("westeurope", *UBUNTU, versions[0].name)
    assert one.os_disk_image.operating_system == "Linux"
    assert one.hyper_v_generation == "V2"
    assert one.id.endswith(f"/Versions/{versions[0].name}")


@pytest.mark.parametrize("image", IMAGES, ids=lambda i: i.alias)
def test_every_documented_image_is_served(clients, image):
    images = clients.compute.virtual_machine_images
    assert image.publisher in [p.name for p in images.list_publishers("eastus")]
    assert image.offer in [o.name for o in images.list_offers("eastus", image.publisher)]
    assert image.sku in [s.name for s in images.list_skus("eastus", image.publisher, image.offer)]
    doc = images.get("eastus", image.publisher, image.offer, image.sku, image.version)
    assert doc.os_disk_image.operating_system == image.os


def test_names_compare_case_insensitively_and_unknown_images_are_not_found(clients):
    images = clients.compute.virtual_machine_images
    assert images.list("westeurope", *(p.upper() for p in UBUNTU))
    with pytest.raises(HttpResponseError) as err:
        images.list("westeurope", "Canonical", "no-such-offer", "x")
    assert err.value.status_code == 404 and err.value.error.code == "ImageNotFound"


def test_the_alias_document_names_the_catalog(tmp_path):
    from provisioner.localcloud import serve

    server = serve(tmp_path / "s.sqlite")
    try:
        with urllib.request.urlopen(f"{server.url}/metadata/endpoints?api-version=2022-09-01") as r:
            alias_url = json.loads(r.read())["vmImageAliasDoc"]
        with urllib.request.urlopen(alias_url) as r:
            aliases = json.loads(r.read())["outputs"]["aliases"]["value"]
    finally:
        server.shutdown()
        server.cloud.close()
    assert aliases["Linux"]["Ubuntu2204"]["offer"] == UBUNTU[1]
    assert set(aliases["Windows"]) == {"Win2019Datacenter", "Win2022Datacenter"}


def test_a_location_lists_its_vm_sizes_as_ansible_reads_them(clients):
    """azure_rm_virtualmachine refuses a size missing from this list, before any write."""
    sizes = {s.name: s for s in clients.compute.virtual_machine_sizes.list("westeurope")}
    assert {"Standard_B1s", "Standard_B2s", "Standard_D2s_v5"} <= set(sizes)
    b2s = sizes["Standard_B2s"]
    assert (b2s.number_of_cores, b2s.memory_in_mb, b2s.max_data_disk_count) == (2, 4096, 4)
    assert sizes["Standard_D2s_v5"].resource_disk_size_in_mb == 0
