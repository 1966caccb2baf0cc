"""`provision guest` and `provision verify`: the guest step on its own, and checking the result.

``guest`` runs the Floating IP guest step of ``up`` (``--apply``, the default), only its check
scripts (``--check``: exit 1 unless every VM is converged) or the removal scripts (``--remove``).
``verify`` shows the mapping table with the VMs whose guest is ready per row; ``--datapath``
proves it with real packets in network namespaces (local, Linux, root).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from provisioner.cli.cmd_lifecycle import (
    CloudOpt,
    EnvOpt,
    OutputOpt,
    StateOpt,
    SubscriptionOpt,
    _start,
    _target,
    add_command,
)
from provisioner.cli.common import OutputFormat, emit_json, err_console, fail, out_console
from provisioner.errors import ProvisionerError, UserInputError


def _event(vm: str, what: str) -> None:
    err_console.print(f"  {escape(vm)}: {escape(what)}", soft_wrap=True)


def _open(blueprint: Path, env: str | None, output: OutputFormat, cloud, subscription, state):
    """First line, load and validate, connect and compile: (target, desired state, env)."""
    from provisioner.apply.lifecycle import desired_state

    loaded, env = _start(blueprint, env, output, cloud, subscription, state)
    assert env is not None
    target = _target(cloud, subscription, state, output)
    try:
        desired = desired_state(target, loaded, env)
    except ProvisionerError as exc:
        target.close()
        fail(exc, output)
    return target, desired, env


def guest(
    blueprint: Path = typer.Argument(..., help="Blueprint YAML file"),
    env: str | None = EnvOpt,
    check: bool = typer.Option(
        False, "--check", help="Only run check scripts; exit 1 unless converged"
    ),
    apply: bool = typer.Option(False, "--apply", help="Configure the guests (the default)"),
    remove: bool = typer.Option(False, "--remove", help="Run the removal scripts, clear the tag"),
    vm: list[str] = typer.Option([], "--vm", help="Only these VMs (blueprint names); repeatable"),
    max_parallel: int = typer.Option(16, "--max-parallel", min=1, max=64),
    output: OutputFormat = OutputOpt,
    cloud: str | None = CloudOpt,
    subscription: str | None = SubscriptionOpt,
    state: Path | None = StateOpt,
) -> None:
    """Configure (or check, or remove) Floating IP on the backend VMs' guest OS via run-command."""
    from provisioner.guest.step import run_guest_step

    if sum((check, apply, remove)) > 1:
        fail(UserInputError("choose one of --check, --apply, --remove"), output)
    mode = "check" if check else "remove" if remove else "apply"
    target, desired, env = _open(blueprint, env, output, cloud, subscription, state)
    try:
        report = run_guest_step(
            target,
            desired,
            mode=mode,  # type: ignore[arg-type]
            max_parallel=max_parallel,
            only_vms=vm or None,
            on_event=_event if output is OutputFormat.text else None,
        )
    except ProvisionerError as exc:
        fail(exc, output)
    finally:
        target.close()
    if output is OutputFormat.json:
        emit_json({"target": target.label, "env": env, **report.as_dict()})
    else:
        if not report.results:
            out_console.print("no VM needs guest setup (no Floating IP rule)")
        for r in report.results:
            _print_vm(r)
        failed = sum(1 for r in report.results if not r.ok)
        err_console.print(
            f"guest {mode}: {len(report.results)} VM(s), "
            + (f"{failed} failed" if failed else "all ok")
            + f" in {report.seconds:.1f}s"
        )
    if not report.ok:
        raise typer.Exit(1)


def _print_vm(r: Any) -> None:
    state = "ok" if r.ok else "FAILED"
    conv = " converged" if r.converged else ""
    out_console.print(
        f"{r.vm}: {state} ({r.action}{conv}) {r.detail}", markup=False, soft_wrap=True
    )
    if not r.ok and r.exit_status is not None:
        out_console.print(f"    exit status: {r.exit_status}", markup=False)
    for line in r.stderr_tail if not r.ok else []:
        out_console.print(f"    stderr: {line}", markup=False, soft_wrap=True)


def verify(
    blueprint: Path = typer.Argument(..., help="Blueprint YAML file"),
    env: str | None = EnvOpt,
    datapath: bool = typer.Option(
        False, "--datapath", help="Send real packets through network namespaces (Linux, root)"
    ),
    skip_guest: bool = typer.Option(
        False, "--skip-guest", hidden=True, help="Data path without the guest scripts (diagnostic)"
    ),
    output: OutputFormat = OutputOpt,
    cloud: str | None = CloudOpt,
    subscription: str | None = SubscriptionOpt,
    state: Path | None = StateOpt,
) -> None:
    """Check every mapping row: guest readiness per VM, or (--datapath) real traffic."""
    target, desired, env = _open(blueprint, env, output, cloud, subscription, state)
    try:
        if datapath:
            doc, ok = _verify_datapath(target, desired, skip_guest, output)
        else:
            doc, ok = _verify_guests(target, desired, output)
    except ProvisionerError as exc:
        fail(exc, output)
    finally:
        target.close()
    if output is OutputFormat.json:
        emit_json({"target": target.label, "env": env, **doc})
    if not ok:
        raise typer.Exit(1)


def _verify_guests(target: Any, desired: Any, output: OutputFormat) -> tuple[dict, bool]:
    from provisioner.guest.step import run_guest_step
    from provisioner.guest.verify import check_rows, live_rows, public_frontends, tcp_probe

    report = run_guest_step(target, desired, mode="check")
    rows, _ = live_rows(target, desired)
    probe = tcp_probe if target.kind == "azure" else None
    checks = check_rows(rows, report, probe=probe, public=public_frontends(desired))
    ok = report.ok and all(c.ok for c in checks)
    if output is OutputFormat.text:
        for c in checks:
            r = c.row
            if r.floating_ip:
                ready = f"guest ready on {', '.join(c.converged) or 'none'}" + (
                    f"; NOT on {', '.join(c.missing)}" if c.missing else ""
                )
            else:
                ready = "no guest setup needed"
            dest = "frontend IP (Floating IP)" if r.floating_ip else r.destination_ip
            probe_text = f"; tcp connect: {c.probe}" if c.probe else ""
            if target.kind != "azure" and r.floating_ip:
                probe_text = "; tcp connect skipped (local cloud addresses)"
            out_console.print(
                f"{r.load_balancer}/{r.rule}  {r.frontend_ip}:{r.frontend_port}/{r.protocol}"
                f" -> {dest}:{r.destination_port}  {ready}{probe_text}",
                markup=False,
                soft_wrap=True,
            )
        for res in report.results:
            if not res.ok:
                _print_vm(res)
        err_console.print("verify: ok" if ok else "verify: some rows are not ready")
    doc = {
        "ok": ok,
        "rows": [c.as_dict() for c in checks],
        "vms": [r.as_dict() for r in report.results],
    }
    return doc, ok


def _verify_datapath(
    target: Any, desired: Any, skip_guest: bool, output: OutputFormat
) -> tuple[dict, bool]:
    from provisioner.guest.datapath import (
        DataPathError,
        available,
        results_table,
        run_datapath,
    )
    from provisioner.guest.verify import NotCapable, datapath_input, live_rows, row_results_as_dicts

    def not_capable(message: str) -> tuple[dict, bool]:
        if output is OutputFormat.text:
            err_console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
        return {"ok": False, "error": message, "rows": []}, False

    why = available()
    if why is not None:
        return not_capable(
            f"verify --datapath needs Linux, root, iproute2, nftables and network namespaces: {why}"
        )
    _, live = live_rows(target, desired)
    try:
        inp = datapath_input(desired, live)
    except NotCapable as exc:
        return not_capable(f"verify --datapath: {exc}")
    try:
        results = run_datapath(inp.topology, inp.scripts, skip_guest=skip_guest)
    except DataPathError as exc:
        return not_capable(f"verify --datapath: {exc}")
    ok = all(r.ok for r in results)
    if output is OutputFormat.text:
        out_console.print(results_table(results), markup=False, soft_wrap=True)
        for note in inp.skipped:
            err_console.print(f"skipped: {escape(note)}", soft_wrap=True)
        if skip_guest:
            err_console.print("guest scripts were NOT run (--skip-guest)")
        err_console.print(
            "verify --datapath: every row answered"
            if ok
            else "verify --datapath: some rows failed (see above)"
        )
    doc = {
        "ok": ok,
        "skip_guest": skip_guest,
        "rows": row_results_as_dicts(results),
        "skipped": inp.skipped,
    }
    return doc, ok


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    add_command(app, guest)
    add_command(app, verify)
