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


def rule_name(address: object, protocol: str, port: int, kind: str = "fip") -> str:
    """The deterministic firewall rule name for one entry (``:`` of IPv6 written as ``_``);
    ``kind`` is ``fip`` for a Floating IP entry, ``probe`` for a health probe port."""
    return f"provisioner-{kind}-{str(address).replace(':', '_')}-{protocol}-{port}"


#: Run-command may start the 32-bit PowerShell on 64-bit Windows (azure-traffic.md §5); the
#: loopback driver cannot be installed from a 32-bit process, so the script starts itself again
#: under the 64-bit one (``sysnative`` reaches System32 from a 32-bit process) and passes on its
#: output and exit status.
_RELAUNCH_64 = [
    "if ([Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) {",
    "  $Ps64 = Join-Path $env:WINDIR 'sysnative\\WindowsPowerShell\\v1.0\\powershell.exe'",
    "  if (-not $PSCommandPath -or -not (Test-Path $Ps64)) {",
    "    [Console]::Error.WriteLine('provisioner: error: 32-bit PowerShell and no 64-bit one')",
    '    Write-Output \'PROVISIONER-RESULT {"status":"failed","exit":1}\'',
    "    exit 1",
    "  }",
    "  & $Ps64 -NoProfile -NonInteractive -ExecutionPolicy Bypass -File $PSCommandPath",
    "  exit $LASTEXITCODE",
    "}",
]


def _entry(name: str, token: str) -> str:
    """One entry: its firewall rule name and its token (the library reads address, protocol,
    port and source from the token), so a VM at Azure's limits stays a small script."""
    return f"  @{{ Name = {ps_quote(name)}; Token = {ps_quote(token)} }}"


def _header(cfg: GuestConfig, action: Action) -> list[str]:
    addrs = ", ".join(ps_quote(str(a)) for a in cfg.addresses)
    lines = [
        manifest_line(cfg, action),
        f"# provisioner: Floating IP guest setup ({action}) for VM {cfg.vm}."
        " Generated; safe to run again.",
        "$ErrorActionPreference = 'Stop'",
        "$ProgressPreference = 'SilentlyContinue'",
        *_RELAUNCH_64,
        f"$Vm = {ps_quote(cfg.vm)}",
        f"$Addresses = @({addrs})",
        "$Listeners = @(",
        *(_entry(rule_name(i.address, i.protocol, i.port), i.token) for i in cfg.listeners),
        ")",
        "$Probes = @(",
        *(_entry(rule_name(p.address, "tcp", p.port, kind="probe"), p.token) for p in cfg.probes),
        ")",
        f"$Persist = ${'true' if cfg.persist else 'false'}",
        f"$Firewall = {ps_quote(cfg.firewall)}",
        f"$Forwarding = ${'true' if cfg.forwarding else 'false'}",
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
