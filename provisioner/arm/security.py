"""What Azure says stands in front of a NIC: its effective network security groups.

``POST …/networkInterfaces/{nic}/effectiveNetworkSecurityGroups`` (a long-running operation)
answers the NSG of the NIC's subnet and the NIC's own, each with its custom and default rules
and service tags expanded to address prefixes (REST spec ``NetworkInterfaceEffectiveNSGList``).
It is the same question on Azure and on the local cloud, so whatever is built from the answer
(the data path's filter) does not depend on who answered. On Azure the NIC must be attached to
a running VM for the platform to compute it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provisioner.arm.retry import Call, direct
from provisioner.compile.ids import resource_group_of

if TYPE_CHECKING:
    from provisioner.arm.target import Target


def effective_security_groups(
    target: Target, nic_id: str, call: Call = direct
) -> list[dict[str, Any]]:
    """The ``value`` of the answer, wire JSON: one entry per NSG, subnet's first."""
    ops = target.network.network_interfaces
    group, name = resource_group_of(nic_id), nic_id.rstrip("/").rsplit("/", 1)[-1]
    result = call(lambda: ops.begin_list_effective_network_security_groups(group, name).result())
    return [dict(g.as_dict()) for g in (getattr(result, "value", None) or [])]
