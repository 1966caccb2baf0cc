"""Running an ARM template: parameters, variables, copy loops, conditions, ``dependsOn`` order,
outputs; every resource is sent as a PUT through the local cloud's own handlers.

Phases, each named:

1. :func:`bind_parameters` — the given values against the declared parameters (type,
   ``allowedValues``, defaults; a missing one without default is ``InvalidTemplate``, as is an
   extra one);
2. :meth:`Run.expand` — resources with their ``copy`` loops, ``condition``, nested child
   ``resources``, names and ids resolved (properties are evaluated later, when deployed, so
   ``reference()`` reads what an earlier resource became);
3. :func:`order` — a topological order over ``dependsOn`` (ids, ``type/name``, names, copy
   loop names); a cycle or a dependency on nothing is ``InvalidTemplate`` as ARM reports it;
4. :meth:`Run.deploy` — for each resource, evaluate its body and PUT it through ``dispatch``
   (the same route table a client's PUT takes), one operation record per resource; the first
   failure stops the run and becomes a ``DeploymentFailed`` detail;
5. outputs, evaluated once everything is in place.

Template-level errors raise :class:`TemplateError`; the deployment handler turns them into
ARM's 400 ``InvalidTemplate`` (validation) or a failed deployment.
"""

from __future__ import annotations

import copy as copylib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from provisioner.localcloud.deployments import expressions, functions
from provisioner.localcloud.deployments.expressions import TemplateError
from provisioner.localcloud.resources.generic import STORED_AS_IS

#: Resource types a template may deploy: the ones the local cloud models (see
#: ``localcloud/resources``) plus a documented list stored and echoed (docs/local-cloud.md).
DEPLOYABLE_EXTRA = STORED_AS_IS

Dispatch = Callable[[str, str, dict[str, Any]], tuple[int, dict[str, Any]]]
Reader = Callable[[str], dict[str, Any] | None]


@dataclass
class Context:
    sub: str
    rg: str
    rg_doc: dict[str, Any]
    tenant: str
    deployment_name: str
    template: dict[str, Any]
    parameters: dict[str, Any]


@dataclass
class Planned:
    """One resource instance after expansion: what to PUT once its dependencies are in."""

    symbol: str  # the template's name for it, as dependsOn may cite it
    loop: str | None
    index: dict[str, int]
    raw: dict[str, Any]
    type: str
    name: str
    id: str
    depends: list[str] = field(default_factory=list)


@dataclass
class Result:
    operations: list[dict[str, Any]]
    outputs: dict[str, Any]
    resources: list[str]
    error: dict[str, Any] | None = None


def bind_parameters(template: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    declared = template.get("parameters") or {}
    low = {k.lower(): k for k in declared}
    for name in given:
        if name.lower() not in low:
            raise TemplateError(
                f"The template parameters '{name}' in the parameters file are not valid; they "
                "are not present in the original template and can therefore not be provided at "
                "deployment time."
            )
    bound: dict[str, Any] = {}
    for name, spec in declared.items():
        hit = next((v for k, v in given.items() if k.lower() == name.lower()), None)
        if hit is not None:
            value = hit.get("value") if isinstance(hit, dict) and "value" in hit else hit
            if isinstance(hit, dict) and "reference" in hit:
                raise TemplateError(
                    f"The parameter '{name}' is a Key Vault reference, which the local cloud "
                    "does not resolve."
                )
            bound[name] = value
        elif isinstance(spec, dict) and "defaultValue" in spec:
            bound[name] = _DeferredDefault(spec["defaultValue"])
        else:
            raise TemplateError(
                f"Deployment template validation failed: 'The value for the template parameter "
                f"'{name}' is not provided. Please see https://aka.ms/arm-create-parameter-file "
                "for usage details.'."
            )
    return bound


@dataclass
class _DeferredDefault:
    value: Any


_TYPES = {
    "string": str,
    "securestring": str,
    "int": int,
    "bool": bool,
    "object": dict,
    "secureobject": dict,
    "array": list,
}


def _check_parameter(name: str, spec: dict[str, Any], value: Any) -> None:
    kind = str(spec.get("type", "")).lower()
    want = _TYPES.get(kind)
    if want is None:
        raise TemplateError(f"The template parameter '{name}' has an unknown type '{kind}'.")
    if want is int and isinstance(value, bool) or not isinstance(value, want):
        raise TemplateError(
            f"Template parameter JToken type is not valid. Expected '{spec.get('type')}'. "
            f"Actual '{type(value).__name__}'. Please see https://aka.ms/arm-create-parameter-file "
            f"for usage details. (parameter '{name}')"
        )
    allowed = spec.get("allowedValues")
    if allowed is not None and value not in allowed:
        raise TemplateError(
            f"Deployment template validation failed: 'The provided value '{value}' for the "
            f"template parameter '{name}' is not valid. The parameter value is not part of the "
            f"allowed value(s): '{','.join(str(a) for a in allowed)}'.'."
        )


class Run:
    """The evaluation scope of one deployment and its resources' order of deployment."""

    in_parameter_default = False

    def __init__(self, ctx: Context, read: Reader) -> None:
        self.ctx = ctx
        self.read = read
        self.template = ctx.template
        self.params = bind_parameters(ctx.template, ctx.parameters)
        self.variables_raw = dict(self.template.get("variables") or {})
        self.variables: dict[str, Any] = {}
        self.loops: dict[str, int] = {}  # copy loop name → current index
        self.current_loop: str | None = None
        self.planned: list[Planned] = []
        self._resolving: set[str] = set()
        self.variable_loops: dict[str, dict[str, Any]] = {}
        self._expand_variable_copies()

    # --- the scope ----------------------------------------------------------------------------

    def call(self, name: str, args: tuple[Any, ...]) -> Any:
        if name.lower() == "if":  # only the branch taken is evaluated
            if len(args) != 3:
                raise TemplateError("The template language function 'if' expects 3 parameters.")
            cond = expressions.evaluate(args[0], self)
            chosen = args[1] if functions._bool("if", cond) else args[2]
            return expressions.evaluate(chosen, self)
        values = [expressions.evaluate(a, self) for a in args]
        return functions.call(self, name, values)

    def value(self, raw: Any) -> Any:
        """A template value with every expression in it evaluated."""
        if isinstance(raw, str):
            if expressions.is_expression(raw):
                return expressions.evaluate(expressions.parse(raw[1:-1]), self)
            return expressions.unescape(raw)
        if isinstance(raw, list):
            return [self.value(v) for v in raw]
        if isinstance(raw, dict):
            return self._object(raw)
        return raw

    def _object(self, raw: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in raw.items():
            if k == "copy" and isinstance(v, list):  # property copy loops
                for loop in v:
                    out[loop["name"]] = self._property_copy(loop)
                continue
            out[k] = self.value(v)
        return out

    def _property_copy(self, loop: dict[str, Any]) -> list[Any]:
        name = loop.get("name")
        count = self.value(loop.get("count"))
        if not isinstance(name, str) or not isinstance(count, int) or count < 0:
            raise TemplateError(f"The copy loop '{name}' needs a name and a count of 0 or more.")
        if count > 800:
            raise TemplateError(f"The copy count of '{name}' must not exceed 800.")
        items = []
        saved = self.loops.get(name)
        for i in range(count):
            self.loops[name] = i
            items.append(self.value(copylib.deepcopy(loop.get("input"))))
        if saved is None:
            self.loops.pop(name, None)
        else:
            self.loops[name] = saved
        return items

    def parameter(self, name: str) -> Any:
        declared = self.template.get("parameters") or {}
        key = next((k for k in self.params if k.lower() == name.lower()), None)
        if key is None:
            raise TemplateError(f"The template parameter '{name}' is not found.")
        value = self.params[key]
        if isinstance(value, _DeferredDefault):
            self.in_parameter_default = True
            try:
                value = self.value(value.value)
            finally:
                self.in_parameter_default = False
            self.params[key] = value
        spec = declared.get(key) or {}
        _check_parameter(key, spec, value)
        return value

    def variable(self, name: str) -> Any:
        key = next((k for k in self.variables_raw if k.lower() == name.lower()), None)
        if key is None:
            raise TemplateError(f"The template variable '{name}' is not found.")
        if key not in self.variables:
            if key in self._resolving:
                raise TemplateError(f"The template variable '{name}' refers to itself.")
            self._resolving.add(key)
            try:
                loop = self.variable_loops.get(key.lower())
                raw = self.variables_raw[key]
                self.variables[key] = self._property_copy(loop) if loop else self.value(raw)
            finally:
                self._resolving.discard(key)
        return self.variables[key]

    def _expand_variable_copies(self) -> None:
        """``variables.copy``: each loop becomes a variable holding its array."""
        for loop in self.variables_raw.pop("copy", None) or []:
            self.variable_loops[str(loop.get("name", "")).lower()] = loop
            self.variables_raw[loop.get("name", "")] = None

    def copy_index(self, loop: str | None) -> int:
        if loop is None:
            loop = self.current_loop
        if loop is None or loop not in self.loops:
            raise TemplateError(
                "The template function 'copyIndex' is not expected at this location."
                + (f" (loop '{loop}')" if loop else "")
            )
        return self.loops[loop]

    def resource_group(self) -> dict[str, Any]:
        doc = self.ctx.rg_doc
        return {
            "id": doc["id"],
            "name": doc["name"],
            "type": "Microsoft.Resources/resourceGroups",
            "location": doc["location"],
            "tags": doc.get("tags") or {},
            "properties": {"provisioningState": "Succeeded"},
        }

    def subscription(self) -> dict[str, Any]:
        sub = self.ctx.sub
        return {
            "id": f"/subscriptions/{sub}",
            "subscriptionId": sub,
            "tenantId": self.ctx.tenant,
            "displayName": "Local cloud",
        }

    def deployment(self) -> dict[str, Any]:
        return {
            "name": self.ctx.deployment_name,
            "properties": {"template": {"contentVersion": self.template.get("contentVersion")}},
        }

    def resource_id(self, args: list[str], scope: str) -> str:
        sub, rg = self.ctx.sub, self.ctx.rg
        typed = next((i for i, a in enumerate(args) if "/" in a and "." in a.split("/")[0]), None)
        if typed is None:
            raise TemplateError(
                f"Unable to evaluate template language function 'resourceId': the type "
                f"parameter is missing or not valid in {args}."
            )
        head, rtype, names = args[:typed], args[typed], args[typed + 1 :]
        if scope == "group":
            if len(head) == 2:
                sub, rg = head
            elif len(head) == 1:
                rg = head[0]
        elif scope == "subscription" and head:
            sub = head[0]
        segments = rtype.split("/")
        if len(names) != len(segments) - 1:
            raise TemplateError(
                f"Unable to evaluate template language function 'resourceId': the type "
                f"'{rtype}' requires {len(segments) - 1} resource name argument(s)."
            )
        path = segments[0]
        for t, n in zip(segments[1:], names, strict=True):
            path += f"/{t}/{n}"
        prefix = "" if scope == "tenant" else f"/subscriptions/{sub}"
        if scope == "group":
            prefix += f"/resourceGroups/{rg}"
        return f"{prefix}/providers/{path}"

    def reference(self, target: str, full: bool) -> Any:
        rid = target if target.startswith("/") else self._id_of_symbol(target)
        doc = self.read(rid)
        if doc is None:
            raise TemplateError(
                f"The Resource '{rid.split('/providers/', 1)[-1]}' under resource group "
                f"'{self.ctx.rg}' was not found.",
                code="ResourceNotFound",
            )
        return doc if full else doc.get("properties", {})

    def _id_of_symbol(self, target: str) -> str:
        """``reference('lb1')`` or ``reference('Microsoft.Network/loadBalancers/lb1')``."""
        for p in self.planned:
            if target.lower() in (p.name.lower(), f"{p.type}/{p.name}".lower()):
                return p.id
        segments = target.split("/")
        if len(segments) >= 3 and "." in segments[0]:
            ns, kinds, names = segments[0], segments[1::2], segments[2::2]
            return self.resource_id([f"{ns}/{'/'.join(kinds)}", *names], "group")
        raise TemplateError(
            f"The template reference '{target}' is not valid: could not find template resource "
            f"or resource copy with this name."
        )

    # --- expansion ----------------------------------------------------------------------------

    def expand(self) -> list[Planned]:
        for raw in self.template.get("resources") or []:
            self._expand(raw, parent=None)
        return self.planned

    def _expand(self, raw: dict[str, Any], parent: Planned | None) -> None:
        if isinstance(self.template.get("resources"), dict) or not isinstance(raw, dict):
            raise TemplateError("Symbolic-name templates (languageVersion 2.0) are not supported.")
        loop = raw.get("copy")
        if loop is None:
            self._instance(raw, parent, None, {})
            return
        name, count = loop.get("name"), self.value(loop.get("count"))
        if not isinstance(name, str) or not isinstance(count, int) or not 0 <= count <= 800:
            raise TemplateError(
                f"The copy loop '{name}' needs a name and a count between 0 and 800."
            )
        for i in range(count):
            self.loops[name], self.current_loop = i, name
            self._instance(raw, parent, name, {name: i})
        self.current_loop = None
        self.loops.pop(name, None)

    def _instance(
        self, raw: dict[str, Any], parent: Planned | None, loop: str | None, index: dict[str, int]
    ) -> None:
        if "condition" in raw and not functions._bool("condition", self.value(raw["condition"])):
            return
        rtype, name = self.value(raw.get("type")), self.value(raw.get("name"))
        if not isinstance(rtype, str) or not isinstance(name, str) or not raw.get("apiVersion"):
            raise TemplateError(
                "The template resource is missing its 'type', 'name' or 'apiVersion' "
                f"({json.dumps(raw)[:120]})."
            )
        if parent is not None and "/" not in rtype.split("/", 1)[-1] and "." not in rtype:
            rtype, name = f"{parent.type}/{rtype}", f"{parent.name}/{name}"
        segments, names = rtype.split("/"), name.split("/")
        if len(names) != len(segments) - 1:
            raise TemplateError(
                f"The template resource '{name}' for type '{rtype}' has incorrect segment "
                f"lengths. A nested resource type must have identical number of segments as its "
                f"resource name. A root resource type must have segment length one greater than "
                f"its resource name."
            )
        rid = self.resource_id([rtype, *names], "group")
        depends = [self.value(d) for d in raw.get("dependsOn") or []]
        if parent is not None:
            depends.append(parent.id)
        planned = Planned(
            symbol=name,
            loop=loop,
            index=dict(index),
            raw=raw,
            type=rtype,
            name=name,
            id=rid,
            depends=depends,
        )
        self.planned.append(planned)
        for child in raw.get("resources") or []:
            self._expand(child, planned)


def order(planned: list[Planned]) -> list[Planned]:
    """``planned`` in an order where every resource comes after what it depends on."""
    by_key: dict[str, list[int]] = {}
    for i, p in enumerate(planned):
        for k in {p.id.lower(), f"{p.type}/{p.name}".lower(), p.name.lower()}:
            by_key.setdefault(k, []).append(i)
        if p.loop:
            by_key.setdefault(p.loop.lower(), []).append(i)
    edges: dict[int, set[int]] = {i: set() for i in range(len(planned))}
    for i, p in enumerate(planned):
        for dep in p.depends:
            if not isinstance(dep, str):
                raise TemplateError(f"The dependsOn entry '{dep}' of '{p.name}' is not a string.")
            hits = by_key.get(dep.lower())
            if hits is None and "/providers/" in dep.lower():
                continue  # an existing resource outside the template: nothing to wait for
            if hits is None:
                raise TemplateError(
                    f"The resource '{dep}' is not defined in the template.",
                )
            edges[i] |= set(hits) - {i}
    done: list[int] = []
    state: dict[int, str] = {}

    def visit(i: int, path: list[int]) -> None:
        if state.get(i) == "done":
            return
        if state.get(i) == "active":
            cycle = " -> ".join(planned[j].name for j in [*path, i])
            raise TemplateError(
                f"Deployment template validation failed: 'Circular dependency detected on "
                f"resource: '{planned[i].id}'. ({cycle})'."
            )
        state[i] = "active"
        for j in sorted(edges[i]):
            visit(j, [*path, i])
        state[i] = "done"
        done.append(i)

    for i in range(len(planned)):
        visit(i, [])
    return [planned[i] for i in done]


def body_of(run: Run, p: Planned) -> dict[str, Any]:
    """The PUT body of one resource instance, evaluated now (after its dependencies)."""
    run.loops.update(p.index)
    run.current_loop = p.loop
    try:
        body: dict[str, Any] = {}
        for k, v in p.raw.items():
            if k in ("type", "name", "apiVersion", "dependsOn", "copy", "condition", "resources"):
                continue
            if k == "comments" or k == "metadata":
                continue
            body[k] = run.value(v)
        return body
    finally:
        for k in p.index:
            run.loops.pop(k, None)
        run.current_loop = None


def outputs_of(run: Run) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, spec in (run.template.get("outputs") or {}).items():
        if "condition" in spec and not functions._bool("condition", run.value(spec["condition"])):
            continue
        if "copy" in spec:
            value = run._property_copy({"name": name, **spec["copy"]})
        else:
            value = run.value(spec.get("value"))
        out[name] = {"type": spec.get("type", "Object"), "value": value}
    return out
