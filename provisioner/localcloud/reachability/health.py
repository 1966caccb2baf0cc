"""Health of a load balancing rule's backends, as its probe would find them.

A backend is Up when its VM is running, the NSGs on its way admit the probe (from
``AzureLoadBalancer``: 168.63.129.16, or fe80::1234:5678:9abc for IPv6, to the NIC's address
and the probe's port — the default ``AllowAzureLoadBalancerInBound`` does, unless a rule with a
lower priority number denies it first) and the simulated guest listens on the probe's port.
Probes go to the NIC's address, never to the frontend IP, Floating IP or not.

Answer shape: REST spec example ``LoadBalancerHealth.json`` (``up``, ``down``,
``loadBalancerBackendAddresses`` with ``ipAddress``, ``networkInterfaceIPConfigurationId``,
``state``, ``reason``). Reason codes are those of learn.microsoft.com/azure/load-balancer/
load-balancer-manage-health-status: ``Up_Probe_Success``; a probe that gets no answer is
``Down_Probe_TcpProbeTimeout`` (TCP) or ``Down_Probe_HttpEndpointUnreachable`` /
``Down_Probe_HttpsEndpointUnreachable`` — the documentation gives one code for "an NSG blocks
the port" and "nothing listens", so the local cloud cannot say more than Azure does.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from provisioner.localcloud.reachability import security, tags
from provisioner.localcloud.rules.ids import props as _props
from provisioner.localcloud.rules.ids import ref as _ref

REASON_UP = "Up_Probe_Success"
REASON_DOWN = {
    "Tcp": "Down_Probe_TcpProbeTimeout",
    "Http": "Down_Probe_HttpEndpointUnreachable",
    "Https": "Down_Probe_HttpsEndpointUnreachable",
}

#: (VM id) → (power state, simulated guest state)
GuestOf = Callable[[str], tuple[str, Any]]
#: (guest state, protocol, port) → whether something listens there
Listens = Callable[[Any, str, int], bool]


def _pools(rule: dict) -> list[str]:
    p = _props(rule)
    ids = [r for r in (_ref(x) for x in p.get("backendAddressPools") or []) if r]
    single = _ref(p.get("backendAddressPool"))
    if single and single.lower() not in {i.lower() for i in ids}:
        ids.insert(0, single)
    return ids


def _members(lb: dict, rule: dict) -> list[str]:
    """The NIC IP configuration ids in the rule's pools, in pool order, each once."""
    out: list[str] = []
    for pool_id in _pools(rule):
        name = pool_id.rstrip("/").rsplit("/", 1)[-1].lower()
        for pool in _props(lb).get("backendAddressPools") or []:
            if str(pool.get("name", "")).lower() != name:
                continue
            for member in _props(pool).get("backendIPConfigurations") or []:
                mid = _ref(member)
                if mid and mid.lower() not in {o.lower() for o in out}:
                    out.append(mid)
    return out


def _probe(lb: dict, rule: dict) -> dict | None:
    probe_id = _ref(_props(rule).get("probe"))
    if not probe_id:
        return None
    name = probe_id.rstrip("/").rsplit("/", 1)[-1].lower()
    return next(
        (p for p in _props(lb).get("probes") or [] if str(p.get("name", "")).lower() == name),
        None,
    )


def backend_state(
    ipconfig_id: str,
    probe: dict | None,
    lookup: security.Lookup,
    guest_of: GuestOf,
    listens: Listens,
) -> dict[str, Any]:
    """One entry of ``loadBalancerBackendAddresses``."""
    nic_id = ipconfig_id.rstrip("/").rsplit("/ipConfigurations/", 1)[0]
    nic = lookup.get(nic_id) or {}
    ipconfig = lookup.get(ipconfig_id) or {}
    address = str(_props(ipconfig).get("privateIPAddress") or "")
    entry = {"ipAddress": address, "networkInterfaceIPConfigurationId": ipconfig_id}
    protocol = str(_props(probe).get("protocol") or "Tcp") if probe else "Tcp"
    up = _answers(nic, address, probe, lookup, guest_of, listens)
    entry["state"] = "Up" if up else "Down"
    entry["reason"] = REASON_UP if up else REASON_DOWN.get(protocol, REASON_DOWN["Tcp"])
    return entry


def _answers(
    nic: dict,
    address: str,
    probe: dict | None,
    lookup: security.Lookup,
    guest_of: GuestOf,
    listens: Listens,
) -> bool:
    vm_id = _ref(_props(nic).get("virtualMachine"))
    if not vm_id or not address:
        return False
    power, guest = guest_of(vm_id)
    if power != "running":
        return False
    if probe is None:  # nothing probes: the load balancer counts the backend in
        return True
    port = int(_props(probe).get("port") or 0)
    v6 = ipaddress.ip_address(address).version == 6
    source = tags.PROBE_SOURCE_V6 if v6 else tags.PROBE_SOURCE_V4
    flow = security.Flow("Inbound", "TCP", address, port, source, None)
    if not security.evaluate(security.nic_context(nic, lookup), flow).allowed:
        return False
    return listens(guest, "tcp", port)


def rule_health(
    lb: dict, rule: dict, lookup: security.Lookup, guest_of: GuestOf, listens: Listens
) -> dict[str, Any]:
    """The ``LoadBalancerHealthPerRule`` document of one load balancing rule."""
    probe = _probe(lb, rule)
    entries = [backend_state(m, probe, lookup, guest_of, listens) for m in _members(lb, rule)]
    up = sum(1 for e in entries if e["state"] == "Up")
    return {"up": up, "down": len(entries) - up, "loadBalancerBackendAddresses": entries}
