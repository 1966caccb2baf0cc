"""The guest step on a terminal: what ``plan`` would run, progress lines, results and failures.

``guest.step`` returns plan items and per-VM results; these functions are their only renderers,
shared by ``plan``, ``up``, ``down``, ``guest`` and ``verify``. Progress and failures go to
stderr, results that are the command's answer to stdout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

from provisioner.cli.common import err_console, out_console

if TYPE_CHECKING:
    from provisioner.guest.step import GuestPlanItem, GuestVmResult


def guest_plan_as_dict(item: GuestPlanItem) -> dict[str, Any]:
    return {"vm": item.vm, "action": item.action, "reason": item.reason}


def render_guest_plan(items: list[GuestPlanItem] | None, out: Console) -> None:
    """The guest section of ``plan``: what ``up`` would run inside which VM, and why."""
    if not items:
        return
    pending = [i for i in items if i.action != "noop"]
    out.print(f"guest: {len(pending)} VM(s) to configure or clean up", markup=False)
    for item in items:
        out.print(f"  {item.action:<9} {item.vm}: {item.reason}", markup=False)


def guest_progress(vm: str, what: str) -> None:
    """Guest progress of ``up`` and ``down`` on stderr, one line per step and VM."""
    err_console.print(f"guest {vm}: {what}", markup=False, soft_wrap=True)


def guest_event(vm: str, what: str) -> None:
    """Progress of ``provision guest``, indented under its own heading."""
    err_console.print(f"  {escape(vm)}: {escape(what)}", soft_wrap=True)


def render_guest_failures(failed: list[GuestVmResult]) -> None:
    for r in failed:
        status = "no exit status" if r.exit_status is None else f"exit status {r.exit_status}"
        err_console.print(
            f"[red]guest failed:[/red] {escape(r.vm)} ({r.action}, {status}): {escape(r.detail)}",
            soft_wrap=True,
        )
        for line in r.stderr_tail:
            err_console.print(f"    {line}", markup=False, soft_wrap=True)


def render_guest_notes(results: list[GuestVmResult]) -> None:
    """Remarks that are no failure, one line each on stderr: say, nothing listens on a VM's
    probe port yet, so the load balancer sees that backend down."""
    for r in results:
        for note in r.notes:
            err_console.print(
                f"[yellow]note:[/yellow] {escape(r.vm)}: {escape(note)}", soft_wrap=True
            )


def render_guest_result(r: GuestVmResult) -> None:
    """One VM's result on stdout, with the exit status and stderr tail when it failed."""
    state = "ok" if r.ok else "FAILED"
    conv = " converged" if r.converged else ""
    out_console.print(
        f"{r.vm}: {state} ({r.action}{conv}) {r.detail}", markup=False, soft_wrap=True
    )
    if not r.ok and r.exit_status is not None:
        out_console.print(f"    exit status: {r.exit_status}", markup=False)
    for line in r.stderr_tail if not r.ok else []:
        out_console.print(f"    stderr: {line}", markup=False, soft_wrap=True)
    if r.found:
        out_console.print(f"    found: {r.found}", markup=False, soft_wrap=True)
    for note in r.notes:
        out_console.print(f"    note: {note}", markup=False, soft_wrap=True)
