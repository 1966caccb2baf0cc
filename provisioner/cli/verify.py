"""`provision verify`: every mapping row, checked.

By default: the guest readiness of each row's VMs (check scripts, plus a TCP connect to public
frontends on Azure), and Azure's own verdicts without sending traffic: Network Watcher's IP
flow verify per row and backend, and the load balancing rule's backend health.
``--datapath`` proves the rows with real packets through network namespaces (local cloud,
Linux, root).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
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
from provisioner.compile.desired import MappingRow
from provisioner.errors import ProvisionerError, UserInputError

if TYPE_CHECKING:
    from provisioner.arm.target import Target
    from provisioner.compile.desired import DesiredState
    from provisioner.guest.step import GuestStepReport
    from provisioner.plan.picture import Picture


class VerifyFormat(StrEnum):
    text = "text"
    mermaid = "mermaid"


#: Verdicts per path, (load balancer, rule) → slots, and per VM: (guest verdict, addresses held).
PathMap = dict[tuple[str, str], Any]
VmMap = dict[str, tuple[Any, tuple[str, ...] | None]]


@dataclass
class Outcome:
    """What one verify mode found: the JSON document, the verdict and the picture's verdicts."""

    doc: dict[str, Any]
    ok: bool
    rows: tuple[MappingRow, ...] = ()
    paths: PathMap = field(default_factory=dict)
    vms: VmMap = field(default_factory=dict)


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
    report: Path | None = typer.Option(
        None, "--report", help="Also write a self-contained HTML report, each path coloured"
    ),
    format: VerifyFormat = typer.Option(
        VerifyFormat.text, "--format", help="text, or mermaid: the picture coloured by verdict"
    ),
    client: str | None = typer.Option(
        None,
        "--from",
        help="Client address Network Watcher evaluates each row from (default: an Internet"
        " address for public load balancers, one of the virtual network for internal ones)",
    ),
    output: OutputFormat = OutputOpt,
    cloud: str | None = CloudOpt,
    subscription: str | None = SubscriptionOpt,
    state: Path | None = StateOpt,
) -> None:
    """Check every mapping row: guest readiness per VM, or (--datapath) real traffic."""
    _check_options(report, format, output, client)
    target, desired, env = open_desired(blueprint, env, output, cloud, subscription, state)
    shown = err_console if format is VerifyFormat.mermaid else out_console
    try:
        if datapath:
            outcome = _verify_datapath(target, desired, skip_guest, output, shown)
        else:
            outcome = _verify_guests(target, desired, output, shown, client)
    except ProvisionerError as exc:
        fail(exc, output)
    finally:
        target.close()
    _pictures(blueprint, env, target.label, outcome, report, format, output)
    if output is OutputFormat.json:
        emit_json({"target": target.label, "env": env, **outcome.doc})
    if not outcome.ok:
        raise typer.Exit(1)


def _check_options(
    report: Path | None, format: VerifyFormat, output: OutputFormat, client: str | None = None
) -> None:
    """Exit 2 before any cloud call for options that cannot work together, a report that
    could not be written, or a ``--from`` that is no IPv4 address."""
    from ipaddress import ip_address

    problem = None
    try:
        v4 = client is None or ip_address(client).version == 4
    except ValueError:
        v4 = False
    if not v4:
        problem = f"--from: not an IPv4 address: {client!r}"
    elif format is VerifyFormat.mermaid and output is OutputFormat.json:
        problem = "--format mermaid writes the picture on stdout; it cannot go with --output json"
    elif report is not None and (report.is_dir() or not report.resolve().parent.is_dir()):
        problem = f"--report {str(report)!r}: give a file in an existing directory"
    if problem:
        fail(UserInputError(problem), output)


def _pictures(
    blueprint: Path,
    env: str,
    target: str,
    outcome: Outcome,
    report: Path | None,
    format: VerifyFormat,
    output: OutputFormat,
) -> None:
    """The picture coloured by the verdicts: the HTML report, Mermaid on stdout, CI summary."""
    from provisioner.cli import ci_summary

    if report is None and format is VerifyFormat.text and not ci_summary.wanted():
        return
    picture = _verdict_picture(blueprint, env, outcome)
    if report is not None:
        from provisioner.cli.picture_html import render_html

        try:
            report.write_text(render_html(picture, generator="provision verify"), encoding="utf-8")
        except OSError as exc:
            err_console.print(
                f"verify: report {report} not written: {exc.strerror or exc}", markup=False
            )
        else:
            err_console.print(f"verify: report written to {report}", markup=False)
    if format is VerifyFormat.mermaid:
        from provisioner.cli.picture_mermaid import render_mermaid

        sys.stdout.write(render_mermaid(picture))
        sys.stdout.flush()
    if ci_summary.wanted():
        from provisioner.cli.picture_labels import SIGN

        verdict = "every row passed" if outcome.ok else "some rows did not pass"
        outcome_line = f"{SIGN['pass' if outcome.ok else 'fail']} {verdict}"
        if outcome.doc.get("error"):
            outcome_line += f": {outcome.doc['error']}"
        body = [
            f"target: {ci_summary.cell(target)}",
            "",
            ci_summary.picture_section(picture, with_verdicts=True),
        ]
        markdown = ci_summary.section(f"provision verify · {env}", outcome_line, body)
        # stdout carries one JSON document, or the Mermaid text: the logging command goes aside.
        aside = output is OutputFormat.json or format is VerifyFormat.mermaid
        ci_summary.publish(markdown, "verify", json_output=aside)


def _verdict_picture(blueprint: Path, env: str, outcome: Outcome) -> Picture:
    from provisioner.blueprint.loader import load_blueprint
    from provisioner.plan.picture import blueprint_picture, with_verdicts

    bp = load_blueprint(blueprint).blueprint  # validated by open_desired already
    rows = outcome.rows or None
    picture = blueprint_picture(bp, rows, env=env, source="live" if rows else "blueprint")
    return with_verdicts(picture, outcome.paths, outcome.vms)


# --- guest readiness and Azure's verdicts -------------------------------------------------------


def _verify_guests(
    target: Target,
    desired: DesiredState,
    output: OutputFormat,
    shown: Console,
    client: str | None = None,
) -> Outcome:
    from provisioner.arm.retry import retrying_call
    from provisioner.guest.azure_verify import check_azure
    from provisioner.guest.step import run_guest_step
    from provisioner.guest.verify import check_rows, live_rows, public_frontends, tcp_probe

    report = run_guest_step(target, desired, mode="check")
    rows, live = live_rows(target, desired)
    probe = tcp_probe if target.kind == "azure" else None
    checks = check_rows(rows, report, probe=probe, public=public_frontends(desired))
    azure = check_azure(target, desired, rows, live, retrying_call(target), client=client)
    ok = report.ok and all(c.ok for c in checks) and azure.ok
    local = target.kind != "azure"
    if output is OutputFormat.text:
        _render_row_checks(checks, report, ok, local=local, console=shown)
        _render_azure(azure, shown)
        err_console.print("verify: ok" if ok else "verify: some rows are not ready")
    doc = {
        "ok": ok,
        "rows": [c.as_dict() for c in checks],
        "vms": [r.as_dict() for r in report.results],
        "azure": azure.as_dict(),
    }
    paths = _guest_paths(checks, local, _azure_slots(azure.rows))
    return Outcome(doc, ok, rows, paths, _guest_vms(report))


def _azure_slots(azure_rows: list[Any]) -> dict[tuple[str, str], tuple[Any, Any]]:
    """Each path's NSG and backends slots from Azure's answers (IP flow verify, rule health);
    ``None`` where Azure could not be asked, so the picture says "not checked"."""
    from provisioner.plan.picture import Verdict

    out: dict[tuple[str, str], tuple[Any, Any]] = {}
    for a in azure_rows:
        answered = [f for f in a.flows if f.verdict is not None]
        nsg = None
        if a.denied:
            nsg = Verdict("fail", a.nsg_text())
        elif answered:
            nsg = Verdict("pass", a.nsg_text())
        backends = None
        if a.health is not None:
            up = a.health.up > 0 or not a.row.backends
            backends = Verdict("pass" if up else "fail", a.health_text())
        out[(a.row.load_balancer, a.row.rule)] = (nsg, backends)
    return out


def _guest_paths(
    checks: list[Any], local: bool, azure: dict[tuple[str, str], tuple[Any, Any]] | None = None
) -> PathMap:
    from provisioner.plan.picture import PathVerdicts, Verdict, connect_verdict, guest_verdict

    out: PathMap = {}
    for c in checks:
        r = c.row
        connect = connect_verdict(c.probe)
        if connect is None and local and r.floating_ip:
            connect = Verdict("skipped", "TCP connect skipped (local cloud addresses)")
        nsg, backends = (azure or {}).get((r.load_balancer, r.rule), (None, None))
        out[(r.load_balancer, r.rule)] = PathVerdicts(
            guest=guest_verdict(r.floating_ip, c.converged, c.missing),
            nsg=nsg,
            backends=backends,
            datapath=connect,
        )
    return out


def _guest_vms(report: GuestStepReport) -> VmMap:
    from provisioner.plan.picture import Verdict

    out: VmMap = {}
    for r in report.results:
        held = tuple(r.report.addresses) if r.report is not None else None
        out[r.vm] = (Verdict("pass" if r.ok and r.converged else "fail", r.detail), held)
    return out


def _render_row_checks(
    checks: list[Any], report: GuestStepReport, ok: bool, local: bool, console: Console
) -> None:
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
        console.print(
            f"{r.load_balancer}/{r.rule}  {r.frontend_ip}:{r.frontend_port}/{r.protocol}"
            f" -> {dest}:{r.destination_port}  {ready}{probe_text}",
            markup=False,
            soft_wrap=True,
        )
    for res in report.results:
        if not res.ok:
            render_guest_result(res)


def _render_azure(azure: Any, console: Console) -> None:
    """The table of Azure's verdicts: row, NSG verdict and deciding rule, backends up/down."""
    from rich.table import Table

    table = Table(box=None)
    for title in ("row", "NSG (IP flow verify)", "backends (rule health)"):
        table.add_column(title, overflow="fold")
    for c in azure.rows:
        table.add_row(
            escape(f"{c.row.load_balancer}/{c.row.rule}"),
            escape(c.nsg_text()),
            escape(c.health_text()),
        )
    console.print(table, soft_wrap=True)
    if azure.note:
        err_console.print(f"note: {escape(azure.note)}", soft_wrap=True)


# --- the data path -----------------------------------------------------------------------------


def _verify_datapath(
    target: Target, desired: DesiredState, skip_guest: bool, output: OutputFormat, shown: Console
) -> Outcome:
    from provisioner.guest.datapath import (
        DataPathError,
        available,
        results_table,
        run_datapath,
    )
    from provisioner.guest.verify import (
        NotCapable,
        datapath_input,
        live_rows,
        read_security,
        row_results_as_dicts,
    )

    def not_capable(message: str, rows: tuple[MappingRow, ...] = ()) -> Outcome:
        if output is OutputFormat.text:
            err_console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
        return Outcome({"ok": False, "error": message, "rows": []}, False, rows)

    why = available()
    if why is not None:
        return not_capable(
            f"verify --datapath needs Linux, root, iproute2, nftables and network namespaces: {why}"
        )
    rows, live = live_rows(target, desired)
    try:
        inp = datapath_input(desired, live, read_security(target, desired, live))
    except NotCapable as exc:
        return not_capable(f"verify --datapath: {exc}", rows)
    try:
        results = run_datapath(inp.topology, inp.scripts, skip_guest=skip_guest)
    except DataPathError as exc:
        return not_capable(f"verify --datapath: {exc}", rows)
    ok = all(r.ok for r in results)
    if output is OutputFormat.text:
        shown.print(results_table(results), markup=False, soft_wrap=True)
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
    return Outcome(doc, ok, rows, _datapath_paths(results, inp.skipped))


def _datapath_paths(results: list[Any], skipped: list[str]) -> PathMap:
    """Each sent row's data-path verdict (rows are labelled ``lb/rule``), and each row left out."""
    from provisioner.plan.picture import PathVerdicts, Verdict, datapath_verdict

    out: PathMap = {}
    for r in results:
        lb, _, rule = r.row.label.partition("/")
        out[(lb, rule)] = PathVerdicts(datapath=datapath_verdict(r.ok, r.detail, r.served_by))
    for note in skipped:
        label, _, reason = note.partition(": ")
        lb, _, rule = label.partition("/")
        out[(lb, rule)] = PathVerdicts(datapath=Verdict("skipped", reason))
    return out


def register(app: typer.Typer) -> None:
    add_command(app, verify)
