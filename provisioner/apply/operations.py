"""The handful of writes the executor makes, per kind: put a body, delete by name.

Bodies are wire JSON (``model.as_dict()``), wrapped back into the SDK's model class so what the
SDK sends is exactly what the planner compared. Load balancers and adopted NICs are written with
``If-Match`` (azure-mgmt-network 33 exposes no ``etag=`` kwarg on these operations, so the
header goes in through ``headers=``); a mismatch surfaces as a 412 ``HttpResponseError``.
"""

from __future__ import annotations

from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.compute import models as compute_models
from azure.mgmt.network import models as network_models
from azure.mgmt.resource.resources import models as resource_models

from provisioner.compile.desired import Kind
from provisioner.plan.live import Clients, operations

MODEL_CLASS: dict[Kind, Any] = {
    Kind.RESOURCE_GROUP: resource_models.ResourceGroup,
    Kind.VIRTUAL_NETWORK: network_models.VirtualNetwork,
    Kind.PUBLIC_IP: network_models.PublicIPAddress,
    Kind.LOAD_BALANCER: network_models.LoadBalancer,
    Kind.NETWORK_INTERFACE: network_models.NetworkInterface,
    Kind.VIRTUAL_MACHINE: compute_models.VirtualMachine,
}


def put(
    clients: Clients,
    kind: Kind,
    resource_group: str,
    name: str,
    body: dict[str, Any],
    *,
    if_match: str | None = None,
) -> dict[str, Any]:
    """Create or update one resource and wait for it; returns the final live body."""
    ops = operations(clients, kind)
    model = MODEL_CLASS[kind](body)
    if kind is Kind.RESOURCE_GROUP:
        result = ops.create_or_update(name, model)
    else:
        kwargs: dict[str, Any] = {}
        if if_match:
            kwargs["headers"] = {"If-Match": if_match}
        result = ops.begin_create_or_update(resource_group, name, model, **kwargs).result()
    return result.as_dict() if result is not None else {}


def delete(clients: Clients, kind: Kind, resource_group: str, name: str) -> bool:
    """Delete one resource and wait; False when it was already gone (a retried delete)."""
    ops = operations(clients, kind)
    try:
        if kind is Kind.RESOURCE_GROUP:
            ops.begin_delete(name).result()
        else:
            ops.begin_delete(resource_group, name).result()
    except ResourceNotFoundError:
        return False
    return True
