"""`provision verify`: every mapping row, checked.

By default: the guest readiness of each row's VMs (check scripts, plus a TCP connect to public
frontends on Azure). ``--datapath`` proves the rows with real packets through network namespaces
(local cloud, Linux, root).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from provisioner.cli.common import OutputFormat, emit_json, err_console, fail, out_console
from provisioner.cli.completion import complete_blueprint
from provisioner.cli.plumbing import (
    CloudOpt,
    EnvOpt,
    OutputOpt,
    StateOpt,
    SubscriptionOpt,
    add_command,
    open_desired,
)
from provisioner.errors import ProvisionerError

if TYPE_CHECKING:
    from provisioner.arm.target import Target
    from provisioner.compile.desired import DesiredState
    from provisioner.guest.step import GuestStepReport


def verify(
    blueprint: Path = typer.Argument(
        ..., help="Blueprint YAML file", autocompletion=complete_blueprint
    ),
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
    target, desired, env = open_desired(blueprint, env, output, cloud, subscription, state)
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


# --- guest readiness ---------------------------------------------------------------------------


def _verify_guests(
    target: Target, desired: DesiredState, output: OutputFormat
) -> tuple[dict[str, Any], bool]:
    from provisioner.guest.step import run_guest_step
    from provisioner.guest.verify import check_rows, live_rows, public_frontends, tcp_probe

    report = run_guest_step(target, desired, mode="check")
    rows, _ = live_rows(target, desired)
    probe = tcp_probe if target.kind == "azure" else None
    checks = check_rows(rows, report, probe=probe, public=public_frontends(desired))
    ok = report.ok and all(c.ok for c in checks)
    if output is OutputFormat.text:
        _render_row_checks(checks, report, ok, local=target.kind != "azure")
    doc = {
        "ok": ok,
        "rows": [c.as_dict() for c in checks],
        "vms": [r.as_dict() for r in report.results],
    }
    return doc, ok


def _render_row_checks(checks: list[Any], report: GuestStepReport, ok: bool, local: bool) -> None:
    from provisioner.cli.render_guest import render_guest_result

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
        if local and r.floating_ip:
            probe_text = "; tcp connect skipped (local cloud addresses)"
        out_console.print(
            f"{r.load_balancer}/{r.rule}  {r.frontend_ip}:{r.frontend_port}/{r.protocol}"
            f" -> {dest}:{r.destination_port}  {ready}{probe_text}",
            markup=False,
            soft_wrap=True,
        )
    for res in report.results:
        if not res.ok:
            render_guest_result(res)
    err_console.print("verify: ok" if ok else "verify: some rows are not ready")


# --- the data path -----------------------------------------------------------------------------


def _verify_datapath(
    target: Target, desired: DesiredState, skip_guest: bool, output: OutputFormat
) -> tuple[dict[str, Any], bool]:
    from provisioner.guest.datapath import (
        DataPathError,
        available,
        results_table,
        run_datapath,
    )
    from provisioner.guest.verify import NotCapable, datapath_input, live_rows, row_results_as_dicts

    def not_capable(message: str) -> tuple[dict[str, Any], bool]:
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
    add_command(app, verify)
