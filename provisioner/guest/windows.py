"""Windows guest scripts (PowerShell 5.1 on Server 2019/2022, run as SYSTEM): apply, remove, check.

The loopback adapter is the inbox "Microsoft KM-TEST Loopback Adapter" (hardware id ``*MSLOOP``,
driver ``%WINDIR%\\inf\\netloop.inf``). ``pnputil /add-driver`` only stages that driver and creates
no device (azure-docs#67288), and devcon is not on a stock image, so the script does what devcon
does through SetupAPI from an ``Add-Type`` class: create a root-enumerated ``Net`` device with
hardware id ``*MSLOOP``, register it, and bind ``netloop.inf`` with
``UpdateDriverForPlugAndPlayDevices``. The adapter is renamed ``provisioner-loopback`` so every
later run finds it by name.

Every value is rendered as a PowerShell single-quoted literal or an int after parsing.
"""

from __future__ import annotations

from provisioner.guest.markers import Action, library, manifest_line
from provisioner.guest.quoting import ps_quote
from provisioner.guest.spec import GuestConfig, GuestScript

LOOPBACK_NAME = "provisioner-loopback"
FIREWALL_GROUP = "provisioner"


def rule_name(address: object, protocol: str, port: int) -> str:
    """The deterministic firewall rule name for one entry (``:`` of IPv6 written as ``_``)."""
    return f"provisioner-fip-{str(address).replace(':', '_')}-{protocol}-{port}"


def _header(cfg: GuestConfig, action: Action) -> list[str]:
    addrs = ", ".join(ps_quote(str(a)) for a in cfg.addresses)
    lines = [
        manifest_line(cfg, action),
        f"# provisioner: Floating IP guest setup ({action}) for VM {cfg.vm}."
        " Generated; safe to run again.",
        "$ErrorActionPreference = 'Stop'",
        "$ProgressPreference = 'SilentlyContinue'",
        f"$Vm = {ps_quote(cfg.vm)}",
        f"$Addresses = @({addrs})",
        "$Open = @(",
    ]
    for item in cfg.open:
        name = ps_quote(rule_name(item.address, item.protocol, item.port))
        lines.append(
            f"  @{{ Name = {name}; Address = {ps_quote(str(item.address))};"
            f" Protocol = {ps_quote(item.protocol)}; Port = {int(item.port)} }}"
        )
    lines += [
        ")",
        f"$Persist = ${'true' if cfg.persist else 'false'}",
        f"$LoopbackName = {ps_quote(LOOPBACK_NAME)}",
        f"$FirewallGroup = {ps_quote(FIREWALL_GROUP)}",
    ]
    return lines


_LIBRARY = library("guest-lib-windows.ps1")

_FOOTER = [
    "$ExitCode = 0",
    "try {",
    "  Invoke-{Action}",
    "} catch {",
    "  [Console]::Error.WriteLine('provisioner: error: ' + $_.Exception.Message)",
    "  $ExitCode = 1",
    "}",
    "$Status = if ($ExitCode -eq 0) { 'ok' } else { 'failed' }",
    "$Result = '{\"status\":\"' + $Status + '\",\"exit\":' + $ExitCode + '}'",
    "Write-Output ('PROVISIONER-RESULT ' + $Result)",
    "exit $ExitCode",
]


def render_windows(cfg: GuestConfig, action: Action) -> GuestScript:
    """The PowerShell script for ``action`` on a Windows VM (RunPowerShellScript, as SYSTEM)."""
    verb = {"apply": "Apply", "remove": "Remove", "check": "Check"}[action]
    footer = [line.replace("{Action}", verb) for line in _FOOTER]
    lines = [*_header(cfg, action), *_LIBRARY, *footer]
    return GuestScript(command_id="RunPowerShellScript", lines=lines)
