"""An NSG someone else attached where the blueprint puts its own: a plan-time error, never a
silent replacement.

Once the blueprint secures a subnet (``security: managed`` or ``{existing: ID}``), the subnet's
NSG follows the blueprint: the VNet PUT names the blueprint's NSG and so would detach any other
(a PUT replaces the whole subnet, azure-traffic.md §7). An NSG the environment did not put there
(a security team's, a policy's) is somebody's decision; the plan stops and names it, and the user
either adopts it (``security: {existing: ID}`` for that subnet) or detaches it. The same holds
for a NIC of ours on a virtual network that is not the environment's, where the NSG goes on the
NIC.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from provisioner.compile.desired import DesiredResource, DesiredState, Kind, Ownership
from provisioner.errors import Finding
from provisioner.plan.diff import body_of

#: Plan-time finding: the live subnet (or NIC) has an NSG that is neither ours nor the
#: blueprint's. (The tool's own code: Azure would simply replace it.)
FOREIGN_NSG = "ForeignNetworkSecurityGroup"


def _nsg(props: Mapping[str, Any] | None) -> str | None:
    ref = (props or {}).get("networkSecurityGroup") or {}
    return str(ref.get("id")) if isinstance(ref, Mapping) and ref.get("id") else None


def _short(resource_id: str) -> str:
    return resource_id.split("/providers/")[-1]


def _foreign(wanted: str | None, live: str | None, releases: frozenset[str]) -> bool:
    if wanted is None or live is None:
        return False
    return live.lower() != wanted.lower() and live.lower() not in releases


def _vnet_findings(res: DesiredResource, live: Mapping[str, Any]) -> list[Finding]:
    live_subnets = {
        str(s.get("name", "")).lower(): s.get("properties") or {}
        for s in (live.get("properties") or {}).get("subnets") or []
    }
    out = []
    for subnet in (body_of(res).get("properties") or {}).get("subnets") or []:
        name = str(subnet.get("name", ""))
        wanted = _nsg(subnet.get("properties"))
        found = _nsg(live_subnets.get(name.lower()))
        if _foreign(wanted, found, res.releases):
            assert found is not None
            out.append(_finding(f"subnet {name!r}", found, ("network", "subnets", name)))
    return out


def _nic_findings(res: DesiredResource, live: Mapping[str, Any]) -> list[Finding]:
    wanted = _nsg(body_of(res).get("properties"))
    found = _nsg(live.get("properties"))
    if not _foreign(wanted, found, res.releases):
        return []
    assert found is not None
    return [_finding(f"network interface {res.name!r}", found, res.source)]


def _finding(where: str, nsg_id: str, path: tuple[str | int, ...]) -> Finding:
    return Finding(
        FOREIGN_NSG,
        f"{where} has network security group {_short(nsg_id)}, which this environment did not "
        "attach; the blueprint would replace it with its own (provisioner's own code: Azure "
        "would just replace it)",
        path,
        hint=f"keep it with security: {{existing: {nsg_id}}} for that subnet, or detach it first",
    )


def foreign_attachments(
    state: DesiredState, live: Mapping[str, Mapping[str, Any] | None]
) -> list[Finding]:
    """Every live NSG the blueprint would silently replace on a subnet or NIC it secures."""
    out: list[Finding] = []
    for res in state.order():
        body = live.get(res.key)
        if body is None or res.ownership is not Ownership.OWNED or res.body is None:
            continue
        if res.kind is Kind.VIRTUAL_NETWORK:
            out += _vnet_findings(res, body)
        elif res.kind is Kind.NETWORK_INTERFACE:
            out += _nic_findings(res, body)
    return out
