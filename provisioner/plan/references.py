"""Brownfield references exist before anything is written (``plan`` and ``up``).

An ``existing_id`` that named nothing planned as "unchanged" (the planner reads referenced
resources only to diff them, and skips every read when the environment's group is new), so ``up``
built the whole environment and then failed at the guest step with "VM not created yet". Here each
id the blueprint names (``provisioner.blueprint.brownfield``) is read once, by id, through
``arm.reads``, and everything missing is reported at once, at the field that names it, before the
first write: exit 1, since the blueprint may well be right for another subscription. The subnets
the blueprint places in an existing virtual network must be in it too (a NIC in a missing subnet
is Azure's ``InvalidResourceReference``, again after the rest was built).

Whether each id names the right *type* is known from its text and is ``validate``'s business
(``provisioner.rules.brownfield``); an id of an unexpected type is skipped here.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from azure.core.exceptions import AzureError

from provisioner.arm.kinds import kind_of_type
from provisioner.arm.reads import get_by_id
from provisioner.arm.retry import Call, describe, error_code, retrying_call
from provisioner.blueprint.brownfield import ExistingRef, existing_references, id_parts
from provisioner.blueprint.model import Blueprint
from provisioner.blueprint.source import SourceMap, attach_locations
from provisioner.compile.desired import Kind
from provisioner.errors import BlueprintInvalid, Finding

if TYPE_CHECKING:
    from provisioner.arm.target import Target

#: Azure's code for a reference to a resource that does not exist (azure-reference.md §1.6).
NOT_FOUND = "InvalidResourceReference"


class MissingReferences(BlueprintInvalid):
    """Brownfield ids that name nothing in the target. Nothing was written; exit 1."""

    exit_code = 1

    def __init__(self, file: str, findings: list[Finding]) -> None:
        super().__init__(file, findings)
        self.args = (
            f"{file}: {len(findings)} existing resource(s) named by the blueprint not found "
            "in the target; nothing was written",
        )


def verify_existing(
    target: Target, bp: Blueprint, source: SourceMap, call: Call | None = None
) -> None:
    """Raise :class:`MissingReferences` unless every brownfield id in ``bp`` exists on
    ``target`` (and every subnet it places in an existing virtual network is in it)."""
    findings = missing_references(target, bp, call or retrying_call(target))
    if findings:
        raise MissingReferences(source.file, attach_locations(findings, source))


def missing_references(
    target: Target, bp: Blueprint, call: Call, *, parallel: int = 8
) -> list[Finding]:
    """One finding per brownfield id that does not exist on ``target``, in blueprint order."""
    refs = [(ref, kind) for ref in existing_references(bp) if (kind := _kind(ref)) is not None]

    def check(item: tuple[ExistingRef, Kind]) -> list[Finding]:
        return _check(target, bp, call, *item)

    with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(refs) or 1))) as pool:
        return [f for found in pool.map(check, refs) for f in found]


def _kind(ref: ExistingRef) -> Kind | None:
    parts = id_parts(ref.id)
    if parts is None or parts.arm_type.lower() != ref.expected.arm_type.lower():
        return None  # the wrong type: validate reports it
    return kind_of_type(parts.arm_type)


def _check(
    target: Target, bp: Blueprint, call: Call, ref: ExistingRef, kind: Kind
) -> list[Finding]:
    parts = id_parts(ref.id)
    assert parts is not None
    noun = ref.expected.noun
    if parts.subscription.lower() != target.subscription_id.lower():
        return [
            _finding(
                ref,
                f"{noun} {parts.name!r} is in subscription {parts.subscription}, but the target "
                f"is subscription {target.subscription_id}",
                "run against the subscription that holds it (--subscription)",
            )
        ]
    try:
        body = get_by_id(target, kind, ref.id, call)
    except AzureError as exc:
        return [
            _finding(
                ref,
                f"{noun} {ref.id} could not be read: {error_code(exc)}: {describe(exc)}",
                "check that the identity running provision may read it",
            )
        ]
    if body is None:
        where = (
            "" if kind is Kind.RESOURCE_GROUP else f" in resource group {parts.resource_group!r}"
        )
        return [
            _finding(
                ref,
                f"{noun} {parts.name!r}{where} does not exist: {ref.id}",
                f"check the id, or remove the field to have provision create a new {noun}",
            )
        ]
    if kind is Kind.VIRTUAL_NETWORK:
        return _missing_subnets(bp, parts.name, body)
    return []


def _missing_subnets(bp: Blueprint, vnet: str, body: dict[str, Any]) -> list[Finding]:
    subnets = (body.get("properties") or {}).get("subnets") or []  # wire JSON
    names = sorted(str(s.get("name", "")) for s in subnets)
    live = {n.lower() for n in names}  # ARM names compare without case
    shown = ", ".join(names) or "none"
    return [
        Finding(
            NOT_FOUND,
            f"subnet {name!r} is not in the existing virtual network {vnet!r} (it has: {shown})",
            ("network", "subnets", name),
            hint="name a subnet the virtual network has; provision does not add subnets to it",
        )
        for name in bp.network.subnets
        if name.lower() not in live
    ]


def _finding(ref: ExistingRef, message: str, hint: str) -> Finding:
    return Finding(NOT_FOUND, message, ref.path, hint=hint)
