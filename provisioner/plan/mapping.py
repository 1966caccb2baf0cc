"""The mapping table with the addresses Azure actually allocated, read from live bodies.

The compiler knows the table's shape (rule → frontend → pool → VMs) but not dynamic addresses:
public IPs are allocated by Azure, dynamic private ones by the subnet. This reads them from the
live load balancers, public IPs and NICs and hands them to the compiler's ``resolve_mapping``;
rows whose resources do not exist yet keep the compiler's placeholders.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from provisioner.compile import names
from provisioner.compile.desired import DesiredState, Kind, MappingRow
from provisioner.compile.mapping import resolve_mapping

Live = dict[str, dict[str, Any] | None]


def _props(body: dict[str, Any] | None) -> dict[str, Any]:
    return (body or {}).get("properties") or {}


def frontend_addresses(state: DesiredState, live: Live) -> dict[tuple[str, str], str]:
    """(blueprint LB name, frontend name) → its IP address, where allocated."""
    by_id = {r.id.lower(): r.key for r in state.resources.values()}
    lbs = {
        names.load_balancer(state.env, row.load_balancer): row.load_balancer
        for row in state.mapping
    }
    out: dict[tuple[str, str], str] = {}
    for res in state.resources.values():
        if res.kind is not Kind.LOAD_BALANCER or res.name not in lbs:
            continue
        for fe in _props(live.get(res.key)).get("frontendIPConfigurations") or []:
            fp = fe.get("properties") or {}
            address = fp.get("privateIPAddress")
            pip = str((fp.get("publicIPAddress") or {}).get("id") or "").lower()
            if pip in by_id:
                address = _props(live.get(by_id[pip])).get("ipAddress")
            if address:
                out[(lbs[res.name], str(fe.get("name")))] = str(address)
    return out


def nic_key(state: DesiredState, vm: str) -> str | None:
    """The key of a blueprint VM's NIC resource: the one the environment creates, else the
    adopted member of a brownfield VM (named by the VM)."""
    nics = {r.name: r.key for r in state.resources.values() if r.kind is Kind.NETWORK_INTERFACE}
    adopted = {name.lower(): key for name, key in nics.items()}
    return nics.get(names.network_interface(state.env, vm)) or adopted.get(vm.lower())


def nic_addresses(state: DesiredState, live: Live) -> tuple[dict[str, str], dict[str, str]]:
    """Blueprint VM name → private IPv4 address, and → IPv6 address, of its NIC."""
    v4: dict[str, str] = {}
    v6: dict[str, str] = {}
    for vm in {vm for row in state.mapping for vm in row.backends}:
        key = nic_key(state, vm)
        for cfg in _props(live.get(key) if key else None).get("ipConfigurations") or []:
            cp = cfg.get("properties") or {}
            address = cp.get("privateIPAddress")
            if not address:
                continue
            if str(cp.get("privateIPAddressVersion", "IPv4")).lower() == "ipv6":
                v6.setdefault(vm, str(address))
            elif cp.get("primary") or vm not in v4:
                v4[vm] = str(address)
    return v4, v6


def live_mapping(state: DesiredState, live: Live) -> tuple[MappingRow, ...]:
    """The desired state's mapping rows with real frontend and backend addresses filled in."""
    v4, v6 = nic_addresses(state, live)
    return resolve_mapping(state.mapping, frontend_addresses(state, live), v4, v6)


def mapping_as_dict(row: MappingRow) -> dict[str, Any]:
    return dataclasses.asdict(row) | {
        "backends": list(row.backends),
        "backend_ips": list(row.backend_ips),
    }
