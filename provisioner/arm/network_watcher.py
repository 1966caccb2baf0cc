"""Azure's own answers to "would this traffic pass": Network Watcher's IP flow verify, and a
load balancing rule's backend health. Both are POSTs that start a long-running operation and
change nothing, so a failed one is simply asked again (through the caller's ``call``).

- IP flow verify (``network_watchers.begin_verify_ip_flow``, ``POST …/networkWatchers/{nw}/
  ipFlowVerify``) evaluates the NSGs in force on a VM's NIC (the subnet's, then the NIC's) for
  one 5-tuple and answers ``Allow`` or ``Deny`` with the deciding rule. It is asked of the
  region's Network Watcher; Azure creates ``NetworkWatcher_{region}`` in ``NetworkWatcherRG``
  when a virtual network is created there, unless the subscription opted out
  (learn.microsoft.com/azure/network-watcher/network-watcher-create). Its REST reference
  accepts IPv4 addresses only (learn.microsoft.com/rest/api/network-watcher/network-watchers/
  verify-ip-flow), so IPv6 flows are not asked.
- Rule health (``load_balancer_load_balancing_rules.begin_health``, ``POST …/loadBalancers/
  {lb}/loadBalancingRules/{rule}/health``) lists each backend address with ``Up`` or ``Down``
  and a reason, as the rule's probe finds it. azure-mgmt-network has it from 28.1.0 on; with an
  older SDK :class:`Unsupported` says so.

These are the tool's plain-data views of the answers; nothing here decides what they mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from provisioner.arm.retry import Call, direct
from provisioner.compile.ids import resource_group_of

if TYPE_CHECKING:
    from provisioner.arm.target import Target

#: Where a user enables Network Watcher in a region where it is absent.
ENABLE_HINT = (
    "az network watcher configure --resource-group NetworkWatcherRG"
    " --locations {region} --enabled true"
)


class Unsupported(RuntimeError):
    """The installed SDK lacks the operation (azure-mgmt-network older than 28.1.0)."""


@dataclass(frozen=True)
class Watcher:
    resource_group: str
    name: str
    location: str


@dataclass(frozen=True)
class Flow:
    """An inbound 5-tuple as a VM's NIC sees it: ``local`` is the destination."""

    protocol: str  # TCP | UDP
    local_ip: str
    local_port: int
    remote_ip: str
    remote_port: int


@dataclass(frozen=True)
class FlowVerdict:
    access: str  # Allow | Deny
    rule: (
        str  # the deciding rule as Azure names it (``securityRules/…``, ``defaultSecurityRules/…``)
    )


@dataclass(frozen=True)
class BackendHealth:
    address: str
    ipconfig_id: str
    state: str  # Up | Down
    reason: str


@dataclass(frozen=True)
class RuleHealth:
    up: int
    down: int
    backends: tuple[BackendHealth, ...]


def _text(value: Any) -> str:
    """An SDK enum's wire value (``str()`` of a ``(str, Enum)`` member is ``Access.ALLOW`` on
    Python 3.11), or the text as it came."""
    return str(getattr(value, "value", value) or "")


def _region(value: Any) -> str:
    return str(value or "").replace(" ", "").lower()


def find_watcher(target: Target, location: str, call: Call = direct) -> Watcher | None:
    """The subscription's Network Watcher in ``location``, or None where there is none."""
    watchers = call(lambda: list(target.network.network_watchers.list_all()))
    for w in watchers:
        if _region(w.location) == _region(location):
            return Watcher(resource_group_of(w.id), w.name, w.location)
    return None


def verify_ip_flow(
    target: Target,
    watcher: Watcher,
    vm_id: str,
    nic_id: str | None,
    flow: Flow,
    call: Call = direct,
) -> FlowVerdict:
    """Network Watcher's verdict on one inbound flow at the VM's NIC (``nic_id`` when given)."""
    params: dict[str, Any] = {
        "targetResourceId": vm_id,
        "direction": "Inbound",
        "protocol": flow.protocol,
        "localIPAddress": flow.local_ip,
        "localPort": str(flow.local_port),
        "remoteIPAddress": flow.remote_ip,
        "remotePort": str(flow.remote_port),
    }
    if nic_id:
        params["targetNicResourceId"] = nic_id
    ops = target.network.network_watchers
    result = call(
        lambda: ops.begin_verify_ip_flow(watcher.resource_group, watcher.name, params).result()
    )
    return FlowVerdict(_text(result.access), _text(result.rule_name))


def rule_health(
    target: Target, resource_group: str, load_balancer: str, rule: str, call: Call = direct
) -> RuleHealth:
    """Up and down backends of one load balancing rule, as its probe finds them."""
    ops = target.network.load_balancer_load_balancing_rules
    if not hasattr(ops, "begin_health"):
        raise Unsupported("load balancing rule health needs azure-mgmt-network 28.1.0 or later")
    result = call(lambda: ops.begin_health(resource_group, load_balancer, rule).result())
    backends = tuple(
        BackendHealth(
            address=str(b.ip_address or ""),
            ipconfig_id=str(b.network_interface_ip_configuration_id or ""),
            state=_text(b.state),
            reason=_text(b.reason),
        )
        for b in result.load_balancer_backend_addresses or []
    )
    return RuleHealth(int(result.up or 0), int(result.down or 0), backends)
