"""`provision plan | up | down | status`: parse options, call apply/plan, render.

The first line on stderr names the target and the environment, so nobody applies to the wrong
cloud by accident. With ``--output json`` stdout carries exactly one JSON document.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.markup import escape
from typer.core import TyperCommand

try:  # typer >= 0.22 carries its own copy of click
    from typer._click.exceptions import UsageError
except ImportError:  # pragma: no cover - older typer on the real click
    from click.exceptions import UsageError  # type: ignore[assignment]

from provisioner.cli.common import OutputFormat, emit_json, err_console, fail, render_finding
from provisioner.errors import ApplyFailed, BlueprintInvalid, ProvisionerError, UserInputError

CloudOpt = typer.Option(None, "--cloud", help="local or azure (default: azure iff a subscription)")
SubscriptionOpt = typer.Option(
    None, "--subscription", help="Azure subscription id (or AZURE_SUBSCRIPTION_ID)"
)
StateOpt = typer.Option(
    None, "--state", help="Local cloud state file (or PROVISION_LOCAL_STATE)", show_default=False
)
OutputOpt = typer.Option(OutputFormat.text, "--output", "-o", help="text or json")
EnvOpt = typer.Option(None, "--env", help="Environment name (default: the blueprint's name)")


#: The blueprint's own ``name`` rule: the environment is part of every resource name and tag, and
#: Azure compares names without case (``Prod`` and ``prod`` would share resources, not tags).
ENV_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
SUBSCRIPTION_PATTERN = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


class Interrupted(ProvisionerError):
    """Ctrl-C: what was started may be half done; the next ``up`` or ``down`` converges."""

    exit_code = 130


def check_env(env: str | None, option: str = "--env") -> None:
    """Exit 2 for a name that cannot be part of resource names and tags."""
    if env is None or ENV_PATTERN.fullmatch(env):
        return
    raise UserInputError(
        f"{option} {env!r} is not a valid environment name: use 1-40 lowercase letters, digits "
        "and '-', starting with a letter or digit (it becomes part of every resource name)"
    )


def check_subscription(subscription: str | None) -> None:
    """A subscription id (given or from the environment) must be a GUID: exit 2 before sign-in."""
    from provisioner.arm.target import SUBSCRIPTION_ENV

    given = subscription or os.environ.get(SUBSCRIPTION_ENV) or None
    if given is None or SUBSCRIPTION_PATTERN.fullmatch(given):
        return
    where = "--subscription" if subscription else f"${SUBSCRIPTION_ENV}"
    raise UserInputError(
        f"{where} {given!r} is not a subscription id "
        "(a GUID like 00000000-0000-0000-0000-000000000000)"
    )


def check_duration(value: str, option: str, now: datetime | None = None) -> timedelta:
    """Parse ``30m``/``4h``/``2d`` and make sure ``now`` ± it is a date (exit 2 otherwise)."""
    from provisioner.apply.durations import parse_duration

    delta = parse_duration(value, option)
    moment = now or datetime.now(UTC)
    try:
        moment + delta
        moment - delta
    except OverflowError:
        raise UserInputError(
            f"{option} {value!r} is too long: the date would be past the year 9999"
        ) from None
    return delta


def open_cli_target(cloud: str | None, subscription: str | None, state: Any) -> Any:
    """:func:`open_target` with an unusable ``--state`` file reported as bad input (exit 2)."""
    from provisioner.arm.target import open_target, resolve_cloud, state_path

    check_subscription(subscription)
    kind, _ = resolve_cloud(cloud, subscription)
    if kind != "local":
        # DefaultAzureCredential logs every credential it tried as a multi-line warning; the
        # failure is reported once, in one line, by ``guarded``.
        logging.getLogger("azure.identity").addHandler(logging.NullHandler())
        logging.getLogger("azure.identity").propagate = False
        return open_target(cloud, subscription, state)
    path = state_path(state)
    if path.is_dir():
        raise UserInputError(
            f"local cloud state {str(path)!r} is a directory; "
            "give a file (--state DIR/cloud.sqlite)"
        )
    try:
        return open_target(cloud, subscription, state)
    except sqlite3.DatabaseError as exc:  # also OperationalError "unable to open database file"
        reason = str(exc)
        if "not a database" in reason:
            reason += "; it was left untouched (move it away, or pass another --state)"
        raise UserInputError(f"local cloud state {str(path)!r} cannot be used: {reason}") from None
    except OSError as exc:
        raise UserInputError(
            f"local cloud state {str(path)!r} cannot be used: {exc.strerror or exc}"
        ) from None


def _target(
    cloud: str | None, subscription: str | None, state: Path | None, output: OutputFormat
) -> Any:
    """:func:`open_cli_target`, a user error reported once (with its exit code)."""
    try:
        return open_cli_target(cloud, subscription, state)
    except ProvisionerError as exc:
        fail(exc, output)


def target_line(
    cloud: str | None,
    subscription: str | None,
    state: Any,
    output: OutputFormat,
    env: str | None = None,
) -> None:
    """The first line on stderr: the target (and environment), before anything is checked."""
    from provisioner.arm.target import target_label

    try:
        label = target_label(cloud, subscription, state)
    except ProvisionerError as exc:
        fail(exc, output)
    shown = env if env is None or ENV_PATTERN.fullmatch(env) else repr(env)
    err_console.print(
        f"target: {label}" + (f" · env: {shown}" if shown else ""), markup=False, soft_wrap=True
    )


# --- what every command shares: Ctrl-C, sign-in failures, usage errors in JSON mode -----------


def _exit_now(code: int) -> None:
    """Leave at once: worker threads still waiting on Azure must not hold the exit (tests patch)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _busy_threads() -> bool:
    main = threading.main_thread()
    return any(t is not main and t.is_alive() and not t.daemon for t in threading.enumerate())


def guarded(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a command: Ctrl-C exits 130 with one line; a failed Azure sign-in is a clear error."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        output = kwargs.get("output", OutputFormat.text)
        try:
            return func(*args, **kwargs)
        except KeyboardInterrupt:
            message = (
                "interrupted: operations already sent may finish or be half done; "
                "run the command again to converge (or `provision down`)"
            )
            busy = _busy_threads()
            try:
                fail(Interrupted(message), output)
            except SystemExit:
                if busy:
                    _exit_now(Interrupted.exit_code)
                raise
        except Exception as exc:
            from azure.core.exceptions import ClientAuthenticationError

            if not isinstance(exc, ClientAuthenticationError):
                raise
            first = (str(exc.message or exc).strip().splitlines() or ["no detail"])[0]
            fail(
                UserInputError(
                    f"cannot sign in to Azure: {first} "
                    "(run `az login`, or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET)"
                ),
                output,
            )

    return wrapper


def _wants_json(args: list[str]) -> bool:
    for i, arg in enumerate(args):
        if arg in ("--output", "-o") and i + 1 < len(args) and args[i + 1] == "json":
            return True
        if arg in ("--output=json", "-ojson", "-o=json"):
            return True
    return False


class CliCommand(TyperCommand):
    """A typer command whose usage errors also give one JSON document with ``--output json``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        wants_json = _wants_json(list(args))
        try:
            return super().parse_args(ctx, args)
        except UsageError as exc:
            if wants_json:
                emit_json({"ok": False, "error": exc.format_message()})
            raise


def add_command(app: typer.Typer, func: Callable[..., Any], name: str | None = None) -> None:
    """Register ``func`` guarded, with JSON-aware usage errors."""
    app.command(name, cls=CliCommand)(guarded(func))


def _start(
    blueprint: Path | None,
    env: str | None,
    output: OutputFormat,
    cloud: str | None,
    subscription: str | None,
    state: Path | None,
) -> tuple[Any, str | None]:
    """Name the target on the first line, then load and validate (exit 2, no cloud call)."""
    from provisioner.apply.lifecycle import load_and_validate

    loaded, problem = None, None
    try:
        check_env(env)
        check_subscription(subscription)
    except UserInputError as exc:
        problem = exc
    if blueprint is not None and problem is None:
        try:
            loaded = load_and_validate(blueprint)
            _check_default_ttl(loaded)
        except ProvisionerError as exc:
            problem, loaded = exc, None
    if env is None and blueprint is not None:
        env = loaded.blueprint.name if loaded is not None else blueprint.stem
    target_line(cloud, subscription, state, output, env)
    if problem is not None:
        _fail_input(problem, output)
    for warning in loaded.warnings if loaded is not None else []:
        render_finding(warning)
    return loaded, env


def _check_default_ttl(loaded: Any) -> None:
    """``defaults.ttl: 3000000d`` passes the grammar but is past the year 9999: exit 2 here."""
    from provisioner.errors import Finding

    ttl = getattr(getattr(loaded.blueprint, "defaults", None), "ttl", None)
    if not ttl:
        return
    try:
        check_duration(ttl, "defaults.ttl")
    except UserInputError as exc:
        path = ("defaults", "ttl")
        finding = Finding("InvalidValue", str(exc), path, location=loaded.locate(path))
        raise BlueprintInvalid(loaded.path, [finding]) from None


def _fail_input(problem: ProvisionerError, output: OutputFormat) -> NoReturn:
    """:func:`fail`, with a finding that has no line (a missing file) still naming its file."""
    if isinstance(problem, BlueprintInvalid) and output is OutputFormat.text:
        for finding in problem.findings:
            render_finding(finding, file=problem.file)
        err_console.print(f"[red]error:[/red] {escape(str(problem))}", soft_wrap=True)
        raise SystemExit(problem.exit_code)
    fail(problem, output)


def _confirm(question: str, yes: bool, *, destructive: bool = True) -> None:
    """Ask on a terminal. Without one, a destructive command needs --yes; ``up`` proceeds (CI)."""
    if yes:
        return
    if not sys.stdin.isatty():
        if not destructive:
            return
        raise UserInputError(f"{question} Refusing without a terminal: pass --yes")
    if not typer.confirm(question, default=False, err=True):
        err_console.print("cancelled")
        raise typer.Exit(0)


def plan(
    blueprint: Path = typer.Argument(..., help="Blueprint YAML file"),
    env: str | None = EnvOpt,
    output: OutputFormat = OutputOpt,
    detailed_exitcode: bool = typer.Option(
        False, "--detailed-exitcode", help="Exit 3 when the plan has changes"
    ),
    cloud: str | None = CloudOpt,
    subscription: str | None = SubscriptionOpt,
    state: Path | None = StateOpt,
) -> None:
    """Show what `up` would create, update and delete, field by field, and the mapping table."""
    from provisioner.apply.lifecycle import desired_state, pending_guest, plan_environment
    from provisioner.apply.lifecycle import plan_guest as plan_guest_step
    from provisioner.cli.render_plan import plan_as_dict, render_plan

    loaded, env = _start(blueprint, env, output, cloud, subscription, state)
    target = _target(cloud, subscription, state, output)
    try:
        desired = desired_state(target, loaded, env)
        the_plan = plan_environment(target, desired)
        guest = plan_guest_step(target, desired)
    except ProvisionerError as exc:
        fail(exc, output)
    finally:
        target.close()
    pending = pending_guest(guest)
    if output is OutputFormat.json:
        emit_json(
            {
                "ok": True,
                "target": target.label,
                "env": env,
                **plan_as_dict(the_plan),
                "guest": None if guest is None else [_guest_item(i) for i in guest],
            }
        )
    else:
        render_plan(the_plan, _stdout())
        _render_guest_plan(guest, _stdout())
    if detailed_exitcode and (the_plan.has_changes or pending):
        raise typer.Exit(3)


def _guest_item(item: Any) -> dict[str, Any]:
    return {"vm": item.vm, "action": item.action, "reason": item.reason}


def _render_guest_plan(items: list[Any] | None, out: Any) -> None:
    """The guest section of ``plan``: what ``up`` would run inside which VM, and why."""
    if not items:
        return
    pending = [i for i in items if i.action != "noop"]
    out.print(f"guest: {len(pending)} VM(s) to configure or clean up", markup=False)
    for item in items:
        out.print(f"  {item.action:<9} {item.vm}: {item.reason}", markup=False)


def _guest_line(output: OutputFormat) -> Any:
    """Guest progress on stderr, one line per step and VM (stdout stays clean for JSON)."""

    def show(vm: str, what: str) -> None:
        err_console.print(f"guest {vm}: {what}", markup=False, soft_wrap=True)

    return show


def _guest_failures(report: Any) -> list[Any]:
    return [r for r in report.results if not r.ok] if report is not None else []


def _render_guest_failures(failed: list[Any]) -> None:
    for r in failed:
        status = "no exit status" if r.exit_status is None else f"exit status {r.exit_status}"
        err_console.print(
            f"[red]guest failed:[/red] {escape(r.vm)} ({r.action}, {status}): {escape(r.detail)}",
            soft_wrap=True,
        )
        for line in r.stderr_tail:
            err_console.print(f"    {line}", markup=False, soft_wrap=True)


def _stdout() -> Any:
    from provisioner.cli.common import out_console

    return out_console


def up(
    blueprint: Path = typer.Argument(..., help="Blueprint YAML file"),
    env: str | None = EnvOpt,
    ttl: str | None = typer.Option(None, "--ttl", help="Expire after 30m, 4h, 2d… (tag only)"),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation"),
    output: OutputFormat = OutputOpt,
    max_parallel: int = typer.Option(8, "--max-parallel", min=1, max=64),
    cloud: str | None = CloudOpt,
    subscription: str | None = SubscriptionOpt,
    state: Path | None = StateOpt,
) -> None:
    """Create or update the environment so that it matches the blueprint."""
    from provisioner.apply.lifecycle import (
        apply_plan,
        desired_state,
        plan_environment,
        run_guest,
    )
    from provisioner.cli.progress import Progress
    from provisioner.cli.render_plan import render_mapping, render_plan
    from provisioner.plan.mapping import mapping_as_dict

    loaded, env = _start(blueprint, env, output, cloud, subscription, state)
    try:
        if ttl:
            check_duration(ttl, "--ttl")
        target = _target(cloud, subscription, state, output)
    except ProvisionerError as exc:
        fail(exc, output)
    started = time.monotonic()
    doc: dict[str, Any] = {"ok": False, "target": target.label, "env": env, "changes": []}
    try:
        desired = desired_state(target, loaded, env, ttl=ttl)
        the_plan = plan_environment(target, desired)
        planned = time.monotonic()
        doc["changes"] = [c.as_dict() for c in the_plan.changes if c.action != "noop"]
        if the_plan.has_changes and output is OutputFormat.text:
            render_plan(the_plan, err_console)
        if the_plan.has_changes:
            _confirm("Apply these changes?", yes or output is OutputFormat.json, destructive=False)
        with Progress(err_console) as progress:
            report, mapping = apply_plan(
                target,
                desired,
                the_plan,
                max_parallel=max_parallel,
                events=progress,
                loaded=loaded,
            )
        applied = time.monotonic()
        guest = run_guest(
            target, desired, mode="apply", max_parallel=16, on_event=_guest_line(output)
        )
    except ApplyFailed as exc:
        target.close()
        _apply_failed(exc, doc, output)
    except ProvisionerError as exc:
        target.close()
        fail(exc, output)
    target.close()
    ended = time.monotonic()
    failed = _guest_failures(guest)
    doc.update(
        ok=not failed,
        resources=[o.as_dict() for o in report.outcomes],
        mapping=[mapping_as_dict(r) for r in mapping],
        guest=guest.as_dict() if guest is not None else None,
        timings={
            "plan": round(planned - started, 3),
            "apply": round(report.timings["total"], 3),
            "guest": round(ended - applied, 3),
            "total": round(ended - started, 3),
        },
    )
    if failed:
        doc["error"] = {
            "code": "GuestFailed",
            "message": "; ".join(f"{r.vm}: {r.detail}" for r in failed),
            "resource": None,
            "location": None,
        }
    if output is OutputFormat.json:
        emit_json(doc)
        if failed:
            raise SystemExit(1)
        return
    if failed:
        _render_guest_failures(failed)
        render_mapping(mapping, _stdout())
        raise SystemExit(1)
    changed = sum(1 for o in report.outcomes if o.action != "noop")
    err_console.print(
        f"up: {changed} change(s) applied in {ended - started:.1f}s"
        if changed
        else "up: nothing to do, the environment matches the blueprint"
    )
    render_mapping(mapping, _stdout())


def _apply_failed(exc: ApplyFailed, doc: dict[str, Any], output: OutputFormat) -> None:
    where = str(exc.location) if exc.location else None
    if output is OutputFormat.json:
        doc["ok"] = False
        doc["error"] = {
            "code": exc.code,
            "message": exc.message,
            "resource": exc.resource,
            "location": where,
        }
        emit_json(doc)
    else:
        err_console.print(
            f"[red]error:[/red] {exc.resource}: [bold]{exc.code}[/bold]: {exc.message}"
        )
        if where:
            err_console.print(f"    blueprint: {where}")
    raise SystemExit(exc.exit_code)


def down(
    blueprint: Path | None = typer.Argument(None, help="Blueprint YAML file (or use --env)"),
    env: str | None = EnvOpt,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation"),
    output: OutputFormat = OutputOpt,
    max_parallel: int = typer.Option(8, "--max-parallel", min=1, max=64),
    cloud: str | None = CloudOpt,
    subscription: str | None = SubscriptionOpt,
    state: Path | None = StateOpt,
) -> None:
    """Delete everything the environment owns (tagged provisioner-managed and its env).

    What something outside the environment still uses (our NIC on another team's VM) stays and
    is reported, with exit 1. With a blueprint, the brownfield VMs it joined to its pools are
    taken out of them first, and their guest configuration is removed.
    """
    from provisioner.cli.progress import Progress
    from provisioner.envs.destroy import down_environment

    if blueprint is None and not env:
        fail(UserInputError("down needs a BLUEPRINT or --env NAME"), output)
    loaded, env = _start(blueprint, env, output, cloud, subscription, state)
    assert env is not None
    target = _target(cloud, subscription, state, output)
    try:
        _confirm(f"Delete every resource of environment {env!r}?", yes)
        with Progress(err_console) as progress:
            report = down_environment(
                target,
                env,
                loaded,
                max_parallel=max_parallel,
                events=progress,
                on_guest=_guest_line(output),
            )
    except ProvisionerError as exc:
        target.close()
        fail(exc, output)
    target.close()
    if output is OutputFormat.json:
        emit_json({"target": target.label, **report.as_dict()})
    else:
        _render_guest_failures(_guest_failures(report.guest))
        for left in report.left:
            err_console.print(f"[red]left:[/red] {left.id}: {left.reason}", markup=True)
        if not report.deleted and not report.left:
            err_console.print(
                f"down: nothing carries the tags of environment {env!r} in {target.label}",
                markup=False,
                soft_wrap=True,
            )
        err_console.print(
            f"down: deleted {len(report.deleted)} resource(s) in {report.seconds:.1f}s"
            + ("" if report.ok else f"; {len(report.left)} could not be deleted")
        )
    if not report.ok:
        raise typer.Exit(1)


def status(
    blueprint: Path | None = typer.Argument(None, help="Blueprint: also show drift and mapping"),
    env: str | None = EnvOpt,
    output: OutputFormat = OutputOpt,
    cloud: str | None = CloudOpt,
    subscription: str | None = SubscriptionOpt,
    state: Path | None = StateOpt,
) -> None:
    """Environments in the target (by tags), or one environment's resources and mapping."""
    from provisioner.apply.status import environment_status
    from provisioner.cli.render_plan import render_mapping
    from provisioner.envs.listing import list_environments

    loaded, env = _start(blueprint, env, output, cloud, subscription, state)
    target = _target(cloud, subscription, state, output)
    try:
        if env is None:
            envs = list_environments(target)
            doc: dict[str, Any] = {
                "target": target.label,
                "environments": [e.as_dict() for e in envs],
            }
        else:
            st = environment_status(target, env, loaded)
            doc = {"target": target.label, **st.as_dict()}
    except ProvisionerError as exc:
        target.close()
        fail(exc, output)
    target.close()
    if output is OutputFormat.json:
        emit_json(doc)
        return
    out = _stdout()
    if env is None:
        if not doc["environments"]:
            out.print("no environments")
        for e in doc["environments"]:
            expired = " (expired)" if e["expired"] else ""
            out.print(
                f"{e['env']}: {e['resources']} resource(s), blueprint {e['digest'] or '?'}, "
                f"created {e['created'] or 'unknown'}, expires {e['expires'] or 'never'}"
                f"{expired}",
                markup=False,
            )
        return
    if doc.get("created") or doc.get("expires"):
        out.print(
            f"created {doc.get('created') or 'unknown'}, expires {doc.get('expires') or 'never'}",
            markup=False,
        )
    for r in st.resources:
        out.print(f"{r.kind or r.type}  {r.name}", markup=False)
    if st.drift is not None:
        out.print(f"drift: {'yes' if st.drift else 'no'}")
    render_mapping(st.mapping, out)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    for command in (plan, up, down, status):
        add_command(app, command)
