"""From the compiler's per-VM demand to a ``GuestConfig``, with the frontend IPs read live.

The compiler knows which resource holds each frontend's address (``FrontendRef.resource_key``):
a public IP (its ``ipAddress``) for public frontends, the load balancer (the frontend's
``privateIPAddress``) for internal ones. This module reads those bodies and the VMs' bodies
(GETs only, through the caller's retry policy) and renders the VM's apply script, whose digest
is what the VM's ``provisioner-guest`` tag records once the guest is configured.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from provisioner.arm.reads import read_resource
from provisioner.arm.retry import Call
from provisioner.arm.target import Target
from provisioner.compile.desired import (
    DesiredResource,
    DesiredState,
    FrontendRef,
    GuestRequirement,
    Kind,
)
from provisioner.compile.tags import TAG_GUEST
from provisioner.guest.render import render_apply
from provisioner.guest.spec import (
    GuestConfig,
    GuestScript,
    GuestSpecError,
    config_from_requirement,
)
from provisioner.plan.mapping import nic_key

Live = dict[str, dict[str, Any] | None]


class UnresolvedFrontend(LookupError):
    """A frontend whose address live state does not (yet) give."""


class UnresolvedNic(LookupError):
    """A VM whose NIC address (where its health probes go) live state does not (yet) give."""


def script_digest(script: GuestScript) -> str:
    """What the tag holds: ``sha256:`` and the first 32 hex digits of the script's digest."""
    data = (script.command_id + "\n" + script.text).encode()
    return "sha256:" + hashlib.sha256(data).hexdigest()[:32]


def _props(body: dict[str, Any] | None) -> dict[str, Any]:
    return (body or {}).get("properties") or {}


def frontend_address(state: DesiredState, live: Live, ref: FrontendRef) -> str:
    """The live address of one frontend, from the resource the compiler pointed at."""
    res = state.resources.get(ref.resource_key)
    body = live.get(ref.resource_key)
    if res is None or body is None:
        raise UnresolvedFrontend(f"{ref.load_balancer}/{ref.frontend}: {ref.resource_key} absent")
    if res.kind is Kind.PUBLIC_IP:
        address = _props(body).get("ipAddress")
    else:
        address = None
        for fe in _props(body).get("frontendIPConfigurations") or []:
            if str(fe.get("name", "")).lower() == ref.frontend.lower():
                address = _props(fe).get("privateIPAddress")
    if not address:
        raise UnresolvedFrontend(f"{ref.load_balancer}/{ref.frontend}: no address allocated yet")
    return str(address)


def nic_address(state: DesiredState, live: Live, req: GuestRequirement, version: str) -> str:
    """The VM's NIC address for ``version`` (``ipv4``: the primary configuration's)."""
    key = nic_key(state, req.vm)
    found = None
    for cfg in _props(live.get(key) if key else None).get("ipConfigurations") or []:
        props = cfg.get("properties") or {}
        if str(props.get("privateIPAddressVersion") or "IPv4").lower() != version:
            continue
        if props.get("privateIPAddress") and (found is None or props.get("primary")):
            found = str(props["privateIPAddress"])
    if found is None:
        raise UnresolvedNic(f"{req.vm}: no {version} NIC address yet")
    return found


def needed_keys(state: DesiredState, reqs: Iterable[GuestRequirement]) -> list[str]:
    """The resources whose live bodies guest resolution reads: VMs, frontend holders and the
    NICs of VMs that health probes reach."""
    keys: dict[str, None] = {}
    for req in reqs:
        keys[req.vm_resource_key] = None
        for item in req.listeners:
            keys[item.frontend.resource_key] = None
        nic = nic_key(state, req.vm) if req.probes else None
        if nic is not None:
            keys[nic] = None
    return [k for k in keys if k in state.resources]


def read_live(
    target: Target, state: DesiredState, keys: Iterable[str], call: Call, *, parallel: int = 8
) -> Live:
    """GET each named resource (None where it does not exist)."""
    wanted = [state.resources[k] for k in keys]

    def read(res: DesiredResource) -> dict[str, Any] | None:
        return read_resource(target, res, call)

    with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(wanted) or 1))) as pool:
        return {res.key: body for res, body in zip(wanted, pool.map(read, wanted), strict=True)}


@dataclass(frozen=True)
class ResolvedVm:
    """One VM's guest demand with what live state says about it."""

    requirement: GuestRequirement
    resource: DesiredResource  # the VM resource (name and group to call run-command on)
    exists: bool
    tags: dict[str, str]
    config: GuestConfig | None  # None when a frontend address is not known yet
    problem: str = ""  # why config is None

    @property
    def vm(self) -> str:
        return self.requirement.vm

    @property
    def digest(self) -> str | None:
        return script_digest(render_apply(self.config)) if self.config is not None else None

    @property
    def tagged(self) -> str | None:
        return self.tags.get(TAG_GUEST)


def resolve(state: DesiredState, live: Live, req: GuestRequirement) -> ResolvedVm:
    """Combine one requirement with live bodies; values are parsed by ``GuestConfig``."""
    res = state.resources[req.vm_resource_key]
    body = live.get(req.vm_resource_key)
    tags = {str(k): str(v) for k, v in ((body or {}).get("tags") or {}).items()}
    config, problem = None, ""
    try:
        config = config_from_requirement(
            req,
            lambda ref: frontend_address(state, live, ref),
            lambda version: nic_address(state, live, req, version),
        )
    except UnresolvedFrontend as exc:
        problem = f"frontend IP unknown ({exc})"
    except UnresolvedNic as exc:
        problem = f"NIC address unknown ({exc})"
    except GuestSpecError as exc:
        problem = f"cannot render the guest script: {exc}"
    return ResolvedVm(req, res, body is not None, tags, config, problem)
