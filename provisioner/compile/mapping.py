"""The mapping table: per load-balancing rule, where a flow enters and where it lands.

It is the table the seed documents draw ("complete mapping in the load balancer"): frontend IP,
protocol and port, then the destination a backend VM sees. Without Floating IP the destination is
the VM's own NIC IP and the backend port; with Floating IP it is the frontend IP itself (held on
the guest's loopback) and the backend port. Before apply, addresses Azure allocates are shown as
placeholders; ``resolve_mapping`` fills them in from live state.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping

from provisioner.blueprint.model import Blueprint
from provisioner.compile.desired import MappingRow
from provisioner.compile.loadbalancer import PROTOCOL
from provisioner.compile.topology import Members

#: A frontend address Azure chooses when the resource is created (public, or dynamic private).
ALLOCATED_AT_APPLY = "allocated at apply"
#: The destination of a rule without Floating IP: each backend VM's own NIC address.
BACKEND_NIC_IP = "backend NIC IP"
#: A backend VM whose NIC address live state did not give (``backend_ips`` keeps its position).
UNKNOWN_IP = "unknown"


def mapping_rows(bp: Blueprint, members: Members | None = None) -> tuple[MappingRow, ...]:
    """One row per rule, load balancers and rules in blueprint order."""
    members = members or Members(bp)
    rows: list[MappingRow] = []
    for lb_name, lb in bp.load_balancers.items():
        for rule_name, rule in lb.rules.items():
            frontend = lb.frontends.get(rule.frontend)
            static = frontend.private_ip if frontend is not None else None
            frontend_ip = static if lb.type == "internal" and static else ALLOCATED_AT_APPLY
            pool = lb.pools.get(rule.pool)
            rows.append(
                MappingRow(
                    load_balancer=lb_name,
                    rule=rule_name,
                    frontend=rule.frontend,
                    frontend_ip=frontend_ip,
                    protocol=PROTOCOL[rule.protocol],
                    frontend_port=rule.port,
                    destination_ip=frontend_ip if rule.floating_ip else BACKEND_NIC_IP,
                    destination_port=rule.effective_backend_port,
                    floating_ip=rule.floating_ip,
                    backends=members.of(pool.vms) if pool is not None else (),
                    ip_version=frontend.ip_version if frontend is not None else "ipv4",
                )
            )
    return tuple(rows)


def _is_ipv6(value: str) -> bool:
    try:
        return ipaddress.ip_address(value).version == 6
    except ValueError:
        return False


def resolve_mapping(
    rows: tuple[MappingRow, ...] | list[MappingRow],
    frontend_ips: Mapping[tuple[str, str], str],
    nic_ips: Mapping[str, str],
    nic_ipv6s: Mapping[str, str] | None = None,
) -> tuple[MappingRow, ...]:
    """Fill in addresses known after apply.

    ``frontend_ips`` maps (load balancer, frontend) — blueprint names — to the frontend's
    address; ``nic_ips`` maps a concrete VM name to its primary IPv4 NIC address, ``nic_ipv6s``
    to its IPv6 one (used for rows whose frontend address is IPv6). A Floating IP row's
    destination becomes the frontend address; every row's ``backend_ips`` lists the backends' NIC
    addresses in ``backends`` order, while a non-floating row keeps ``destination_ip`` as
    "backend NIC IP" (one row stands for every backend). Missing entries leave a row as it was.
    """
    out: list[MappingRow] = []
    for row in rows:
        frontend_ip = frontend_ips.get((row.load_balancer, row.frontend), row.frontend_ip)
        source = (nic_ipv6s or {}) if _is_ipv6(frontend_ip) else nic_ips
        backend_ips = row.backend_ips
        if any(vm in source for vm in row.backends):
            backend_ips = tuple(source.get(vm, UNKNOWN_IP) for vm in row.backends)
        out.append(
            dataclasses.replace(
                row,
                frontend_ip=frontend_ip,
                destination_ip=frontend_ip if row.floating_ip else row.destination_ip,
                backend_ips=backend_ips,
            )
        )
    return tuple(out)
