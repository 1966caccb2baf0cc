"""Everything that can be known about a blueprint without calling a cloud (``provision validate``).

Load (YAML and the model), Azure's load balancer rules, then a trial compile: what
:func:`check_blueprint` returns lists every error and warning and, for a valid blueprint, the
resources it would create and the frontend → backend mapping. It never raises for a user's
mistake, so a caller can report every finding at once.

The trial compile keeps the resource bodies as wire JSON (``sdk_bodies=False``): the same names,
graph, mapping and checks as ``up`` compiles, without importing the Azure SDK, which would cost
``validate`` most of its time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from provisioner.blueprint.loader import load_blueprint
from provisioner.blueprint.source import attach_locations
from provisioner.compile.compiler import CompileContext, compile_blueprint
from provisioner.compile.desired import DesiredState
from provisioner.errors import BlueprintInvalid, Finding, UserInputError
from provisioner.rules.validate import validate as check_rules

#: validate never reaches a subscription; the compiler still needs one to build resource ids.
PLACEHOLDER_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class ValidationReport:
    """What ``validate`` found; ``state`` is the compiled desired state when there is one."""

    file: str
    digest: str | None
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    state: DesiredState | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def check_blueprint(path: str | Path) -> ValidationReport:
    """Load, check Azure's rules and trial-compile ``path``; never raises for user mistakes."""
    file = str(path)
    try:
        loaded = load_blueprint(path)
    except BlueprintInvalid as exc:
        return _report(file, None, exc.findings)
    findings = attach_locations(check_rules(loaded.blueprint), loaded.source)
    if any(f.severity == "error" for f in findings):
        return _report(file, loaded.digest, findings)

    context = CompileContext(
        env=loaded.blueprint.name,
        subscription_id=PLACEHOLDER_SUBSCRIPTION,
        digest=loaded.digest,
        sdk_bodies=False,
    )
    try:
        state: DesiredState | None = compile_blueprint(loaded.blueprint, context)
    except BlueprintInvalid as exc:
        return _report(
            file, loaded.digest, [*findings, *attach_locations(exc.findings, loaded.source)]
        )
    except UserInputError as exc:
        problem = Finding("InvalidBlueprint", str(exc), location=loaded.source.locate(()))
        return _report(file, loaded.digest, [*findings, problem])
    if state is not None:
        extra = [w for w in state.warnings if isinstance(w, Finding)]
        findings = [*findings, *attach_locations(extra, loaded.source)]
    return _report(file, loaded.digest, findings, state)


def _report(
    file: str, digest: str | None, findings: list[Finding], state: DesiredState | None = None
) -> ValidationReport:
    return ValidationReport(
        file=file,
        digest=digest,
        errors=[f for f in findings if f.severity == "error"],
        warnings=[f for f in findings if f.severity == "warning"],
        state=state,
    )
