"""References from one top-level resource to another (a subnet's NSG, a NIC's NSG, a NAT
gateway's public IPs): the target must exist, be of the type the field names, and sit in the
referrer's region.

Azure answers all three the same way, ``InvalidResourceReference`` ("... make sure that the
referenced resource exists, and that both resources are in the same region"); when the target
does not exist at all the error carries a ``NotFound`` detail
(hashicorp/terraform-provider-azurerm#14344).
"""

from __future__ import annotations

from . import catalog


def region(value: object) -> str:
    """A location compared as Azure compares it: ``West Europe`` is ``westeurope``."""
    return str(value or "").replace(" ", "").lower()


def resolve(target: str, arm_type: str, referrer: str, location: object, lookup) -> dict:
    """The document ``target`` names, or the violation Azure reports for the reference."""
    doc = lookup.get(target)
    if doc is None or str(doc.get("type") or "").lower() != arm_type.lower():
        detail = {"code": "NotFound", "message": f"Resource {target} not found."}
        raise catalog.INVALID_RESOURCE_REFERENCE.violation(
            details=[detail], missing=target, referrer=referrer
        )
    if location and doc.get("location") and region(doc["location"]) != region(location):
        raise catalog.INVALID_RESOURCE_REFERENCE.violation(missing=target, referrer=referrer)
    return doc
