"""A policy refusal is read from ARM's additionalInfo, or from its message when that is all."""

from __future__ import annotations

from azure.core.exceptions import HttpResponseError
from azure.mgmt.core.exceptions import ARMErrorFormat

from provisioner.arm.policy import policy_refusal

MESSAGE = (
    "Resource 'vnet-x' was disallowed by policy. Policy identifiers: '[{\"policyAssignment\":"
    '{"name":"Deny-Subnet-Without-Nsg","id":"/subscriptions/s/providers/Microsoft.Authorization/'
    'policyAssignments/a1"},"policyDefinition":{"name":"Subnets need an NSG","id":"/providers/'
    "Microsoft.Authorization/policyDefinitions/d1\"}}]'."
)


def _error(body: dict) -> HttpResponseError:
    exc = HttpResponseError(message="refused")
    exc.error = ARMErrorFormat(body)
    return exc


def test_the_message_alone_names_the_assignment_and_the_definition():
    refusal = policy_refusal(
        _error({"error": {"code": "RequestDisallowedByPolicy", "message": MESSAGE}})
    )
    assert refusal is not None
    text = refusal.describe()
    assert "Deny-Subnet-Without-Nsg" in text and "Subnets need an NSG" in text
    assert "policyAssignments/a1" in refusal.hint


def test_additional_info_gives_the_display_names():
    info = {
        "policyAssignmentDisplayName": "No public IPs",
        "policyAssignmentId": "/a/2",
        "policyDefinitionDisplayName": "Deny public IP addresses",
    }
    body = {
        "error": {
            "code": "RequestDisallowedByPolicy",
            "message": MESSAGE,
            "target": "pip-x",
            "additionalInfo": [{"type": "PolicyViolation", "info": info}],
        }
    }
    refusal = policy_refusal(_error(body))
    assert refusal is not None
    assert refusal.describe() == (
        "Azure Policy refused 'pip-x': assignment 'No public IPs' "
        "(definition 'Deny public IP addresses')"
    )


def test_other_errors_are_not_policy_refusals():
    assert policy_refusal(_error({"error": {"code": "Conflict", "message": "x"}})) is None
    assert policy_refusal(ValueError("x")) is None
