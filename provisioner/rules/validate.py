"""Entry point of semantic validation: every check over one shared index, all findings at once."""

from __future__ import annotations

from provisioner.blueprint.model import Blueprint
from provisioner.errors import Finding
from provisioner.rules.addresses import check_addresses
from provisioner.rules.brownfield import check_existing_ids
from provisioner.rules.conflicts import check_conflicts
from provisioner.rules.floating import check_floating_ip
from provisioner.rules.haports import check_ha_ports
from provisioner.rules.index import build_index
from provisioner.rules.limits import check_limits
from provisioner.rules.machines import check_machines
from provisioner.rules.references import check_references
from provisioner.rules.security import check_security
from provisioner.rules.warnings import check_warnings


def validate(bp: Blueprint) -> list[Finding]:
    """Every error and warning Azure's rules predict for ``bp`` (load balancers, network
    security, outbound, VMs).

    Pure: no I/O. Each finding carries Azure's error code where Azure has one (see
    ``provisioner.rules.codes``), the blueprint path of the offending field, the paths of the
    other items involved and a one-line hint. Errors come first, then warnings, each in the
    order the checks ran. A blueprint is valid when no finding has severity "error".
    """
    ix = build_index(bp)
    findings = [
        *check_references(ix),
        *check_existing_ids(ix),
        *check_addresses(ix),
        *check_ha_ports(ix),
        *check_floating_ip(ix),
        *check_conflicts(ix),
        *check_limits(ix),
        *check_machines(ix),
        *check_security(ix),
        *check_warnings(ix),
    ]
    return sorted(findings, key=lambda f: f.severity != "error")


def errors(findings: list[Finding]) -> list[Finding]:
    """Only the fatal findings."""
    return [f for f in findings if f.severity == "error"]
