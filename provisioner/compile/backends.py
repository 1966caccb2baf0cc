"""Backend pool membership behind one small interface.

Azure records "this VM is in that pool" on the member, not on the load balancer: for a VM, on
its NIC's IP configuration (``loadBalancerBackendAddressPools``); the pool only echoes the
members back (``backendIPConfigurations``). Compiling a member, planning an adopted one, taking
members out of a pool before it disappears and detaching brownfield members at teardown all
need the same few operations, so they live here, as cloud-provider-azure keeps VMs, scale sets
and flex scale sets behind its ``VMSet``. A VM scale set or an IP-based pool would be a second
:class:`Backend`; today there is one, :class:`NicBackend`.

Everything here is a pure function of wire JSON (``model.as_dict()`` bodies).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

from provisioner.compile.desired import Kind

Body = Mapping[str, Any]


class Backend(Protocol):
    """What a kind of pool member must answer."""

    #: The resource kind that carries the membership (and is written to join or leave).
    kind: Kind

    def pool_refs(self, pool_ids: Sequence[str]) -> list[dict[str, str]]:
        """The references a compiled member body holds to join ``pool_ids``."""
        ...

    def member_of_vm(self, vm: Body | None) -> str | None:
        """The id of the member that puts ``vm`` in pools (None: the VM has none)."""
        ...

    def members(self, load_balancer: Body | None) -> dict[str, set[str]]:
        """Member id → ids (lower-case) of the load balancer's pools it is in."""
        ...

    def pools(self, member: Body) -> list[str]:
        """Ids of the pools ``member`` is in (as written, not lower-cased)."""
        ...

    def membership_path(self, member: Body) -> str:
        """Where the membership lives in the member's body, as a plan shows it."""
        ...

    def join(self, member: Body, pool_ids: Sequence[str]) -> dict[str, Any]:
        """``member``'s body with ``pool_ids`` added; nothing of its own removed."""
        ...

    def leave(self, member: Body, pool_ids: Collection[str]) -> dict[str, Any]:
        """``member``'s body without references to ``pool_ids`` (lower-case ids)."""
        ...


def _props(body: Body | None) -> Mapping[str, Any]:
    return (body or {}).get("properties") or {}


def primary_ipconfig(nic: Body) -> Mapping[str, Any] | None:
    """The primary IP configuration of a NIC body (the only one, when it has one)."""
    configs = _props(nic).get("ipConfigurations") or []
    for cfg in configs:
        if _props(cfg).get("primary") or len(configs) == 1:
            return cfg
    return None


def nic_of(ip_configuration_id: str) -> str | None:
    """``…/networkInterfaces/nic/ipConfigurations/x`` → ``…/networkInterfaces/nic``."""
    parts = ip_configuration_id.split("/")
    lowered = [p.lower() for p in parts]
    if "networkinterfaces" not in lowered:
        return None
    return "/".join(parts[: lowered.index("networkinterfaces") + 2])


class NicBackend:
    """A VM in a pool through its NIC. Floating IP works only on a NIC's primary IP
    configuration, so pools are joined there."""

    kind = Kind.NETWORK_INTERFACE

    def pool_refs(self, pool_ids: Sequence[str]) -> list[dict[str, str]]:
        return [{"id": pid} for pid in pool_ids]

    def member_of_vm(self, vm: Body | None) -> str | None:
        nics = (_props(vm).get("networkProfile") or {}).get("networkInterfaces") or []
        for nic in nics:
            if _props(nic).get("primary") or len(nics) == 1:
                return str(nic.get("id"))
        return None

    def members(self, load_balancer: Body | None) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for pool in _props(load_balancer).get("backendAddressPools") or []:
            pool_id = str(pool.get("id", "")).lower()
            for ref in _props(pool).get("backendIPConfigurations") or []:
                nic = nic_of(str(ref.get("id", "")))
                if nic and pool_id:
                    out.setdefault(nic, set()).add(pool_id)
        return out

    def pools(self, member: Body) -> list[str]:
        cfg = primary_ipconfig(member) or {}
        return [str(p.get("id")) for p in _props(cfg).get("loadBalancerBackendAddressPools") or []]

    def membership_path(self, member: Body) -> str:
        cfg = primary_ipconfig(member) or {}
        return f"ipConfigurations[{cfg.get('name', 'primary')}].loadBalancerBackendAddressPools"

    def join(self, member: Body, pool_ids: Sequence[str]) -> dict[str, Any]:
        primary = primary_ipconfig(member)

        def add(cfg: Mapping[str, Any]) -> dict[str, Any]:
            if cfg is not primary:
                return dict(cfg)
            cp = dict(_props(cfg))
            have = list(cp.get("loadBalancerBackendAddressPools") or [])
            known = {str(p.get("id", "")).lower() for p in have}
            have += [{"id": p} for p in pool_ids if p.lower() not in known]
            cp["loadBalancerBackendAddressPools"] = have
            return {**cfg, "properties": cp}

        return self._with_configs(member, add)

    def leave(self, member: Body, pool_ids: Collection[str]) -> dict[str, Any]:
        def drop(cfg: Mapping[str, Any]) -> dict[str, Any]:
            cp = dict(_props(cfg))
            refs = cp.get("loadBalancerBackendAddressPools") or []
            cp["loadBalancerBackendAddressPools"] = [
                r for r in refs if str(r.get("id", "")).lower() not in pool_ids
            ]
            return {**cfg, "properties": cp}

        return self._with_configs(member, drop)

    @staticmethod
    def _with_configs(member: Body, change: Any) -> dict[str, Any]:
        """The member without its ETag (sent as If-Match, never in the body), each IP
        configuration passed through ``change``."""
        body = {k: v for k, v in member.items() if k != "etag"}
        props = dict(_props(member))
        props["ipConfigurations"] = [change(c) for c in props.get("ipConfigurations") or []]
        body["properties"] = props
        return body


#: The one backend kind today.
BACKEND: Backend = NicBackend()
