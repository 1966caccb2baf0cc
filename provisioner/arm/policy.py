"""Azure Policy refusals, read so that a user can act on them.

A ``deny`` policy answers a write with 403 ``RequestDisallowedByPolicy``. Its message names the
policy only as an escaped JSON list ("Resource 'x' was disallowed by policy. Policy identifiers:
'[{"policyAssignment":{"name":…,"id":…},"policyDefinition":{"name":…,"id":…}}]'.") and ARM adds
``additionalInfo`` entries of type ``PolicyViolation`` with the display names (seen in public
reports, e.g. microsoft/vscode-apimanagement#348, tayganr/purviewdemo#22; the Microsoft Learn
troubleshooting page "RequestDisallowedByPolicy error"). Retrying never helps: the same write is
refused until the blueprint or the policy changes, so it is reported at once with what to change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CODE = "RequestDisallowedByPolicy"
_IDENTIFIERS = re.compile(r"Policy identifiers: '(\[.*\])'", re.S)


@dataclass(frozen=True)
class PolicyRef:
    assignment: str  # the assignment's display name, else its name
    assignment_id: str | None
    definition: str  # the definition's display name, else its name
    definition_id: str | None


@dataclass(frozen=True)
class PolicyRefusal:
    resource: str | None
    policies: tuple[PolicyRef, ...]

    def describe(self) -> str:
        what = f"'{self.resource}'" if self.resource else "the resource"
        if not self.policies:
            return f"Azure Policy refused {what}"
        named = "; ".join(
            f"assignment '{p.assignment}' (definition '{p.definition}')" for p in self.policies
        )
        return f"Azure Policy refused {what}: {named}"

    @property
    def hint(self) -> str:
        ids = ", ".join(p.assignment_id for p in self.policies if p.assignment_id)
        where = f" ({ids})" if ids else ""
        return (
            f"read the policy's rule{where}; typical fixes: add the tags it requires (blueprint "
            "`tags:` or `up --tag NAME=VALUE`), keep what it checks inline (provisioner writes a "
            "subnet's NSG in the VNet PUT), or ask for an exemption for this resource group"
        )


def _get(info: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = info.get(name)
        if value:
            return str(value)
    return None


def _from_additional_info(error: Any) -> list[PolicyRef]:
    refs = []
    for item in getattr(error, "additional_info", None) or []:
        if str(getattr(item, "type", "")).lower() != "policyviolation":
            continue
        info = getattr(item, "info", None) or {}
        refs.append(
            PolicyRef(
                assignment=_get(info, "policyAssignmentDisplayName", "policyAssignmentName")
                or "unnamed",
                assignment_id=_get(info, "policyAssignmentId"),
                definition=_get(info, "policyDefinitionDisplayName", "policyDefinitionName")
                or "unnamed",
                definition_id=_get(info, "policyDefinitionId"),
            )
        )
    return refs


def _from_message(message: str) -> list[PolicyRef]:
    match = _IDENTIFIERS.search(message)
    if not match:
        return []
    try:
        items = json.loads(match.group(1))
    except ValueError:
        return []
    refs = []
    for item in items if isinstance(items, list) else []:
        assignment = item.get("policyAssignment") or {}
        definition = item.get("policyDefinition") or {}
        refs.append(
            PolicyRef(
                assignment=str(assignment.get("name") or "unnamed"),
                assignment_id=assignment.get("id"),
                definition=str(definition.get("name") or "unnamed"),
                definition_id=definition.get("id"),
            )
        )
    return refs


def policy_refusal(exc: BaseException) -> PolicyRefusal | None:
    """The policy refusal ``exc`` carries, or None when it is not one."""
    error = getattr(exc, "error", None)
    if error is None or str(getattr(error, "code", "")) != CODE:
        return None
    refs = _from_additional_info(error) or _from_message(str(getattr(error, "message", "")))
    return PolicyRefusal(getattr(error, "target", None), tuple(refs))
