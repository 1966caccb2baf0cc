"""The VM image catalog for a small, documented set of images, and the alias document.

``az vm create --image <alias or URN>`` reads the catalog before it deploys
(shared/peer-clients.md): ``GET /subscriptions/{s}/providers/Microsoft.Compute/locations/{loc}/
publishers/{p}/artifacttypes/vmimage/offers/{o}/skus/{k}/versions[/{v}]`` — a list of
``{name, location, id}``, and for one version ``properties.osDiskImage`` and the rest of
``VirtualMachineImage`` (shape: azure-rest-api-specs, Microsoft.Compute
``virtualMachineImage.json``). The publishers, offers and skus lists are served too, and
``/metadata/vm-image-aliases`` (the ``vmImageAliasDoc`` of the cloud metadata) names the aliases
az CLI resolves, in azure-cli's ``aliases.json`` shape (outputs.aliases.{Linux,Windows}).

The set: Ubuntu 22.04 and 24.04, Windows Server 2019 and 2022, RHEL 9 and AlmaLinux 9 (the
publisher/offer/sku triples Azure uses; one version each, chosen as samples). Anything else is
404 ``ImageNotFound`` / ``NotFound`` as Azure answers an unknown image; names compare
case-insensitively, as in Azure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from provisioner.localcloud.context import Call
from provisioner.localcloud.errors import ArmError
from provisioner.localcloud.identity.metadata import ALIASES_PATH
from provisioner.localcloud.wire import json_response


@dataclass(frozen=True)
class Image:
    alias: str
    publisher: str
    offer: str
    sku: str
    version: str
    os: str  # "Linux" | "Windows"
    generation: str = "V2"
    size_gb: int = 30


IMAGES = (
    Image(
        "Ubuntu2204",
        "Canonical",
        "0001-com-ubuntu-server-jammy",
        "22_04-lts-gen2",
        "22.04.202410020",
        "Linux",
    ),
    Image("Ubuntu2404", "Canonical", "ubuntu-24_04-lts", "server", "24.04.202410170", "Linux"),
    Image(
        "Win2019Datacenter",
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2019-datacenter-gensecond",
        "17763.6414.241004",
        "Windows",
        size_gb=127,
    ),
    Image(
        "Win2022Datacenter",
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2022-datacenter-g2",
        "20348.2762.241006",
        "Windows",
        size_gb=127,
    ),
    Image("RHELRaw9Gen2", "RedHat", "RHEL", "9-lvm-gen2", "9.4.2024092614", "Linux", size_gb=64),
    Image("AlmaLinux9", "almalinux", "almalinux-x86_64", "9-gen2", "9.4.2024050902", "Linux"),
)


def route(call: Call):
    """The handler of a catalog path (GET only), or None."""
    if call.req.method != "GET":
        return None
    parts = [p for p in call.req.path.split("/") if p]
    low = [p.lower() for p in parts]
    if low == [p for p in ALIASES_PATH.lower().split("/") if p]:
        return lambda c: json_response(200, aliases_document())
    if len(low) < 7 or low[0] != "subscriptions" or low[2:4] != ["providers", "microsoft.compute"]:
        return None
    if low[4] != "locations" or low[6] != "publishers":
        return None
    sub, location, rest = parts[1], parts[5], parts[7:]
    return lambda c: json_response(200, _answer(sub, location, rest))


def _answer(sub: str, location: str, rest: list[str]) -> Any:
    base = f"/Subscriptions/{sub}/Providers/Microsoft.Compute/Locations/{location}/Publishers"
    low = [p.lower() for p in rest]
    if not low:  # publishers
        return [_entry(p, location, f"{base}/{p}") for p in _unique(i.publisher for i in IMAGES)]
    pub = [i for i in IMAGES if i.publisher.lower() == low[0]]
    if len(low) >= 2 and low[1:3] != ["artifacttypes", "vmimage"]:
        raise ArmError(404, "NotFound", f"The resource '{'/'.join(rest)}' was not found.")
    if len(low) == 3 or (len(low) == 4 and low[3] == "offers"):
        return [
            _entry(o, location, f"{base}/{pub[0].publisher}/ArtifactTypes/VMImage/Offers/{o}")
            for o in _unique(i.offer for i in pub)
        ]
    offer = [i for i in pub if len(low) > 4 and i.offer.lower() == low[4]]
    if not offer:
        raise _not_found(rest, location)
    offer_path = f"{base}/{offer[0].publisher}/ArtifactTypes/VMImage/Offers/{offer[0].offer}"
    if len(low) in (5, 6):
        return [_entry(i.sku, location, f"{offer_path}/Skus/{i.sku}") for i in offer]
    sku = [i for i in offer if i.sku.lower() == low[6]]
    if not sku or len(low) < 8 or low[7] != "versions":
        raise _not_found(rest, location)
    image = sku[0]
    versions = f"{offer_path}/Skus/{image.sku}/Versions"
    if len(low) == 8:
        return [_entry(image.version, location, f"{versions}/{image.version}")]
    if len(low) == 9 and low[8] in (image.version.lower(), "latest"):
        return _version_document(image, location, f"{versions}/{image.version}")
    raise _not_found(rest, location)


def _not_found(rest: list[str], location: str) -> ArmError:
    urn = ":".join(p for i, p in enumerate(rest) if i in (0, 4, 6, 8))
    return ArmError(
        404,
        "ImageNotFound",
        f"The platform image '{urn}' is not available in location '{location}'. The local cloud "
        "serves the images listed in docs/local-cloud.md.",
    )


def _unique(values) -> list[str]:
    out: list[str] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


def _entry(name: str, location: str, rid: str) -> dict[str, Any]:
    return {"location": location, "name": name, "id": rid}


def _version_document(image: Image, location: str, rid: str) -> dict[str, Any]:
    return {
        "properties": {
            "hyperVGeneration": image.generation,
            "architecture": "x64",
            "replicaType": "Managed",
            "disallowed": {"vmDiskType": "Unmanaged"},
            "automaticOSUpgradeProperties": {"automaticOSUpgradeSupported": False},
            "imageDeprecationStatus": {"imageState": "Active"},
            "features": [
                {"name": "SecurityType", "value": "TrustedLaunchSupported"},
                {"name": "IsAcceleratedNetworkSupported", "value": "True"},
                {"name": "DiskControllerTypes", "value": "SCSI, NVMe"},
                {"name": "IsHibernateSupported", "value": "True"},
            ],
            "osDiskImage": {"operatingSystem": image.os, "sizeInGb": image.size_gb},
            "dataDiskImages": [],
        },
        "location": location,
        "name": image.version,
        "id": rid,
    }


def aliases_document() -> dict[str, Any]:
    """azure-cli's ``aliases.json`` shape: the aliases az resolves ``--image`` with."""
    table: dict[str, dict[str, Any]] = {"Linux": {}, "Windows": {}}
    for i in IMAGES:
        table[i.os][i.alias] = {
            "publisher": i.publisher,
            "offer": i.offer,
            "sku": i.sku,
            "version": "latest",
            "architecture": "x64",
        }
    return {
        "$schema": "http://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json",
        "contentVersion": "1.0.0.0",
        "parameters": {},
        "variables": {},
        "resources": [],
        "outputs": {"aliases": {"type": "object", "value": table}},
    }
