# provisioner-guest-manifest: {"action":"remove","addresses":["198.51.100.1","198.51.100.2","203.0.113.9","2001:db8::10"],"firewall":"auto","forwarding":false,"open":[{"address":"198.51.100.1","port":80,"protocol":"tcp"},{"address":"198.51.100.2","port":80,"protocol":"tcp"},{"address":"198.51.100.2","port":53,"protocol":"udp"},{"address":"203.0.113.9","port":0,"protocol":"all"},{"address":"2001:db8::10","port":443,"protocol":"tcp"}],"probes":[],"version":2}
# provisioner: Floating IP guest setup (remove) for VM vm1. Generated; safe to run again.
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if ([Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) {
  $Ps64 = Join-Path $env:WINDIR 'sysnative\WindowsPowerShell\v1.0\powershell.exe'
  if (-not $PSCommandPath -or -not (Test-Path $Ps64)) {
    [Console]::Error.WriteLine('provisioner: error: 32-bit PowerShell and no 64-bit one')
    Write-Output 'PROVISIONER-RESULT {"status":"failed","exit":1}'
    exit 1
  }
  & $Ps64 -NoProfile -NonInteractive -ExecutionPolicy Bypass -File $PSCommandPath
  exit $LASTEXITCODE
}
$Vm = 'vm1'
$Addresses = @('198.51.100.1', '198.51.100.2', '203.0.113.9', '2001:db8::10')
$Listeners = @(
  @{ Name = 'provisioner-fip-198.51.100.1-tcp-80'; Token = '198.51.100.1/tcp/80' }
  @{ Name = 'provisioner-fip-198.51.100.2-tcp-80'; Token = '198.51.100.2/tcp/80' }
  @{ Name = 'provisioner-fip-198.51.100.2-udp-53'; Token = '198.51.100.2/udp/53' }
  @{ Name = 'provisioner-fip-203.0.113.9-all-0'; Token = '203.0.113.9/all/0' }
  @{ Name = 'provisioner-fip-2001_db8__10-tcp-443'; Token = '2001:db8::10/tcp/443' }
)
$Probes = @(
)
$Persist = $true
$Firewall = 'auto'
$Forwarding = $false
$LoopbackName = 'provisioner-loopback'
$FirewallGroup = 'provisioner'
$StateDir = Join-Path $env:ProgramData 'provisioner'
$NicStateFile = Join-Path $StateDir 'nic-weakhostreceive.txt'
$FwdStateFile = Join-Path $StateDir 'nic-forwarding.txt'
$Budget = 6

# An entry's address, protocol, port and (probe ports) source, read from its token.
function Expand-Entry($Entry) {
  $p = $Entry.Token -split '/'
  $source = if ($p.Count -gt 3) { $p[3] } else { $null }
  @{ Name = $Entry.Name; Token = $Entry.Token; Address = $p[0]; Protocol = $p[1]; Port = [int]$p[2]
    Source = $source }
}
$Listeners = @($Listeners | ForEach-Object { Expand-Entry $_ })
$Probes = @($Probes | ForEach-Object { Expand-Entry $_ })
# The Floating IP entries the firewall opens: every listener, unless the firewall is left alone.
$Open = @(if ($Firewall -eq 'auto') { $Listeners })

function Say([string]$Text) { Write-Output ('provisioner: ' + $Text) }

$SetupApiSource = @'
using System;
using System.ComponentModel;
using System.Runtime.InteropServices;
public static class ProvisionerLoopback {
  [StructLayout(LayoutKind.Sequential)]
  public struct DevInfo { public int cbSize; public Guid ClassGuid; public int DevInst; public IntPtr Reserved; }
  [DllImport("setupapi.dll", SetLastError = true)]
  static extern IntPtr SetupDiCreateDeviceInfoList(ref Guid cls, IntPtr hwnd);
  [DllImport("setupapi.dll", SetLastError = true, CharSet = CharSet.Unicode)]
  static extern bool SetupDiCreateDeviceInfoW(IntPtr set, string name, ref Guid cls, string desc, IntPtr hwnd, int flags, ref DevInfo data);
  [DllImport("setupapi.dll", SetLastError = true, CharSet = CharSet.Unicode)]
  static extern bool SetupDiOpenDeviceInfoW(IntPtr set, string instanceId, IntPtr hwnd, int flags, ref DevInfo data);
  [DllImport("setupapi.dll", SetLastError = true)]
  static extern bool SetupDiSetDeviceRegistryPropertyW(IntPtr set, ref DevInfo data, int prop, byte[] buf, int size);
  [DllImport("setupapi.dll", SetLastError = true)]
  static extern bool SetupDiCallClassInstaller(int fn, IntPtr set, ref DevInfo data);
  [DllImport("setupapi.dll", SetLastError = true)]
  static extern bool SetupDiDestroyDeviceInfoList(IntPtr set);
  [DllImport("newdev.dll", SetLastError = true, CharSet = CharSet.Unicode)]
  static extern bool UpdateDriverForPlugAndPlayDevicesW(IntPtr hwnd, string hwid, string inf, int flags, out bool reboot);
  static Guid NetClass = new Guid("4d36e972-e325-11ce-bfc1-08002be10318");
  const int DICD_GENERATE_ID = 1, SPDRP_HARDWAREID = 1, DIF_REGISTERDEVICE = 0x19, DIF_REMOVE = 5;
  const int INSTALLFLAG_NONINTERACTIVE = 4;
  public static void Create(string inf) {
    IntPtr set = SetupDiCreateDeviceInfoList(ref NetClass, IntPtr.Zero);
    if (set == new IntPtr(-1)) throw new Win32Exception();
    try {
      DevInfo d = new DevInfo(); d.cbSize = Marshal.SizeOf(d);
      if (!SetupDiCreateDeviceInfoW(set, "Net", ref NetClass, null, IntPtr.Zero, DICD_GENERATE_ID, ref d)) throw new Win32Exception();
      byte[] hwid = System.Text.Encoding.Unicode.GetBytes("*MSLOOP\0\0");
      if (!SetupDiSetDeviceRegistryPropertyW(set, ref d, SPDRP_HARDWAREID, hwid, hwid.Length)) throw new Win32Exception();
      if (!SetupDiCallClassInstaller(DIF_REGISTERDEVICE, set, ref d)) throw new Win32Exception();
    } finally { SetupDiDestroyDeviceInfoList(set); }
    bool reboot;
    if (!UpdateDriverForPlugAndPlayDevicesW(IntPtr.Zero, "*MSLOOP", inf, INSTALLFLAG_NONINTERACTIVE, out reboot)) throw new Win32Exception();
  }
  public static void Remove(string instanceId) {
    IntPtr set = SetupDiCreateDeviceInfoList(ref NetClass, IntPtr.Zero);
    if (set == new IntPtr(-1)) throw new Win32Exception();
    try {
      DevInfo d = new DevInfo(); d.cbSize = Marshal.SizeOf(d);
      if (!SetupDiOpenDeviceInfoW(set, instanceId, IntPtr.Zero, 0, ref d)) throw new Win32Exception();
      if (!SetupDiCallClassInstaller(DIF_REMOVE, set, ref d)) throw new Win32Exception();
    } finally { SetupDiDestroyDeviceInfoList(set); }
  }
}
'@

function Get-Loopback { Get-NetAdapter -Name $LoopbackName -ErrorAction SilentlyContinue }

function Add-Loopback {
  $existing = Get-Loopback
  if ($existing) { Say ('loopback adapter ' + $LoopbackName + ' present'); return $existing }
  Add-Type -TypeDefinition $SetupApiSource
  $before = @(Get-NetAdapter -IncludeHidden | ForEach-Object { $_.InterfaceGuid })
  [ProvisionerLoopback]::Create((Join-Path $env:WINDIR 'inf\netloop.inf'))
  $deadline = (Get-Date).AddSeconds(60)
  do {
    $new = @(Get-NetAdapter -IncludeHidden | Where-Object {
      $before -notcontains $_.InterfaceGuid -and $_.InterfaceDescription -like 'Microsoft KM-TEST Loopback Adapter*' })
    if ($new.Count -eq 1) { break }
    Start-Sleep -Milliseconds 500
  } while ((Get-Date) -lt $deadline)
  if ($new.Count -ne 1) { throw 'the new loopback adapter did not appear' }
  Rename-NetAdapter -Name $new[0].Name -NewName $LoopbackName
  Say ('loopback adapter ' + $LoopbackName + ' created')
  Get-Loopback
}

function Get-Families {
  $f = @()
  if (@($Addresses | Where-Object { $_ -notlike '*:*' }).Count) { $f += 'IPv4' }
  if (@($Addresses | Where-Object { $_ -like '*:*' }).Count) { $f += 'IPv6' }
  $f
}

function Get-PrimaryNic([string]$Family) {
  $prefix = if ($Family -eq 'IPv6') { '::/0' } else { '0.0.0.0/0' }
  $route = Get-NetRoute -DestinationPrefix $prefix -ErrorAction SilentlyContinue |
    Sort-Object RouteMetric | Select-Object -First 1
  if (-not $route) { throw ('no default route for ' + $Family + '; cannot find the Azure NIC') }
  $route.InterfaceIndex
}

function Set-WeakHost {
  $lo = Get-Loopback
  Set-DnsClient -InterfaceIndex $lo.ifIndex -RegisterThisConnectionsAddress $false
  foreach ($family in Get-Families) {
    Set-NetIPInterface -InterfaceIndex $lo.ifIndex -AddressFamily $family -WeakHostReceive Enabled `
      -WeakHostSend Enabled -InterfaceMetric 254
    if ($family -eq 'IPv4') { Set-NetIPInterface -InterfaceIndex $lo.ifIndex -AddressFamily IPv4 -Dhcp Disabled }
    $nic = Get-PrimaryNic $family
    $ipif = Get-NetIPInterface -InterfaceIndex $nic -AddressFamily $family
    if ($ipif.WeakHostReceive -ne 'Enabled') {
      New-Item -ItemType Directory -Force -Path $StateDir | Out-Null
      Add-Content -Path $NicStateFile -Value ([string]$nic + ' ' + $family)
      Set-NetIPInterface -InterfaceIndex $nic -AddressFamily $family -WeakHostReceive Enabled
      Say ('weakhostreceive enabled on interface ' + $nic + ' (' + $family + ')')
    } else { Say ('weakhostreceive already enabled on interface ' + $nic + ' (' + $family + ')') }
  }
}

function Sync-Addresses {
  $lo = Get-Loopback
  $present = @(Get-NetIPAddress -InterfaceIndex $lo.ifIndex -ErrorAction SilentlyContinue |
    Where-Object { $_.PrefixOrigin -eq 'Manual' })
  foreach ($p in $present) {
    if ($Addresses -notcontains $p.IPAddress) {
      Remove-NetIPAddress -InterfaceIndex $lo.ifIndex -IPAddress $p.IPAddress -Confirm:$false
      Say ('loopback: removed ' + $p.IPAddress)
    }
  }
  foreach ($a in $Addresses) {
    $found = $present | Where-Object { $_.IPAddress -eq $a }
    if ($found) {
      if (-not $found.SkipAsSource) { Set-NetIPAddress -InterfaceIndex $lo.ifIndex -IPAddress $a -SkipAsSource $true }
      Say ('loopback: ' + $a + ' already present'); continue
    }
    $len = if ($a -like '*:*') { 128 } else { 32 }
    $store = if ($Persist) { 'PersistentStore' } else { 'ActiveStore' }
    if ($Persist) {
      New-NetIPAddress -InterfaceIndex $lo.ifIndex -IPAddress $a -PrefixLength $len -SkipAsSource $true | Out-Null
    } else {
      New-NetIPAddress -InterfaceIndex $lo.ifIndex -IPAddress $a -PrefixLength $len -SkipAsSource $true `
        -PolicyStore ActiveStore | Out-Null
    }
    Say ('loopback: added ' + $a + ' (' + $store + ')')
  }
}

function Sync-Firewall {
  $entries = @($Open) + @(if ($Firewall -eq 'auto') { $Probes })
  $wanted = @($entries | ForEach-Object { $_.Name })
  foreach ($r in @(Get-NetFirewallRule -Group $FirewallGroup -ErrorAction SilentlyContinue)) {
    if ($wanted -notcontains $r.Name) { Remove-NetFirewallRule -Name $r.Name; Say ('firewall: removed ' + $r.Name) }
  }
  foreach ($o in $entries) {
    if (Get-NetFirewallRule -Name $o.Name -ErrorAction SilentlyContinue) {
      Say ('firewall: ' + $o.Name + ' present'); continue
    }
    $spec = @{ Name = $o.Name; DisplayName = $o.Name; Group = $FirewallGroup; Direction = 'Inbound'
      Action = 'Allow'; Profile = 'Any'; LocalAddress = $o.Address }
    if ($o.Protocol -eq 'all') { $spec.Protocol = 'Any' } else {
      $spec.Protocol = $o.Protocol.ToUpper(); $spec.LocalPort = [string]$o.Port }
    if ($o.Source) { $spec.RemoteAddress = $o.Source }
    New-NetFirewallRule @spec | Out-Null
    Say ('firewall: added ' + $o.Name)
  }
}

# IPv4 forwarding on the Azure NIC for a network virtual appliance. What this script changed is
# recorded, so turning it off again restores only that.
function Sync-Forwarding {
  if ($Forwarding) {
    $nic = Get-PrimaryNic 'IPv4'
    $ipif = Get-NetIPInterface -InterfaceIndex $nic -AddressFamily IPv4
    if ($ipif.Forwarding -eq 'Enabled') { Say ('forwarding: on for interface ' + $nic); return }
    New-Item -ItemType Directory -Force -Path $StateDir | Out-Null
    Set-Content -Path $FwdStateFile -Value ([string]$nic)
    if ($Persist) { Set-NetIPInterface -InterfaceIndex $nic -AddressFamily IPv4 -Forwarding Enabled }
    else { Set-NetIPInterface -InterfaceIndex $nic -AddressFamily IPv4 -Forwarding Enabled -PolicyStore ActiveStore }
    Say ('forwarding: turned on for interface ' + $nic)
  } elseif (Test-Path $FwdStateFile) {
    $nic = (Get-Content $FwdStateFile | Select-Object -First 1)
    if ($nic -match '^\d+$') {
      Set-NetIPInterface -InterfaceIndex ([int]$nic) -AddressFamily IPv4 -Forwarding Disabled -ErrorAction SilentlyContinue
      Say ('forwarding: turned off again for interface ' + $nic)
    }
    Remove-Item $FwdStateFile
  }
}

function Remove-Loopback {
  if (Test-Path $NicStateFile) {
    foreach ($line in Get-Content $NicStateFile) {
      $parts = $line -split ' '
      if ($parts.Count -eq 2 -and $parts[0] -match '^\d+$' -and $parts[1] -match '^IPv[46]$') {
        Set-NetIPInterface -InterfaceIndex ([int]$parts[0]) -AddressFamily $parts[1] -WeakHostReceive Disabled `
          -ErrorAction SilentlyContinue
        Say ('weakhostreceive restored on interface ' + $parts[0])
      }
    }
    Remove-Item $NicStateFile
  }
  $lo = Get-Loopback
  if ($lo) {
    Add-Type -TypeDefinition $SetupApiSource
    [ProvisionerLoopback]::Remove($lo.PnPDeviceID)
    Say ('loopback adapter ' + $LoopbackName + ' removed')
  }
}

function Invoke-Apply {
  if ($Addresses.Count -gt 0) {
    Add-Loopback | Out-Null
    Set-WeakHost
    Sync-Addresses
  } else { Remove-Loopback }
  Sync-Firewall
  Sync-Forwarding
  Say ('apply done for ' + $Vm + ': ' + $Addresses.Count + ' frontend address(es), ' + @($Open).Count +
    ' Floating IP entr(y/ies), ' + @($Probes).Count + ' probe port(s), forwarding ' + $Forwarding)
}

function Invoke-Remove {
  foreach ($r in @(Get-NetFirewallRule -Group $FirewallGroup -ErrorAction SilentlyContinue)) {
    Remove-NetFirewallRule -Name $r.Name; Say ('firewall: removed ' + $r.Name)
  }
  Remove-Loopback
  $script:Forwarding = $false
  Sync-Forwarding
  Say ('remove done for ' + $Vm)
}

# --- the check report: counts, digests and at most $Budget mismatches per section -----------
function Get-Digest([string[]]$Tokens) {
  $sorted = [string[]]@($Tokens)
  [Array]::Sort($sorted, [StringComparer]::Ordinal)
  $text = [string]::Concat([string[]]@($sorted | ForEach-Object { $_ + "`n" }))
  $sha = [Security.Cryptography.SHA256]::Create()
  $bytes = $sha.ComputeHash([Text.Encoding]::UTF8.GetBytes($text))
  ([string]::Concat([string[]]@($bytes | ForEach-Object { $_.ToString('x2') }))).Substring(0, 16)
}

function Get-Section($Items, [scriptblock]$Holds) {
  $held = @(); $missing = @()
  foreach ($i in @($Items)) {
    if (& $Holds $i) { $held += $i.Token } elseif ($missing.Count -lt $Budget) { $missing += $i.Token }
  }
  [ordered]@{ want = @($Items).Count; have = $held.Count; digest = (Get-Digest $held); missing = @($missing) }
}

function Test-Listening($Item) {
  $wild = @('0.0.0.0', '::')
  @($Sockets | Where-Object { $_.protocol -eq $Item.Protocol -and $_.port -eq $Item.Port -and
    ($_.address -eq $Item.Address -or $wild -contains $_.address) }).Count -gt 0
}

function Invoke-Check {
  $lo = Get-Loopback
  $present = @()
  if ($lo) {
    $present = @(Get-NetIPAddress -InterfaceIndex $lo.ifIndex -ErrorAction SilentlyContinue |
      Where-Object { $_.PrefixOrigin -eq 'Manual' } | ForEach-Object { $_.IPAddress })
  }
  $extra = @($present | Where-Object { $Addresses -notcontains $_ })
  $Sockets = @(Get-NetTCPConnection -State Listen -ErrorAction SilentlyContinue |
      ForEach-Object { @{ address = $_.LocalAddress; protocol = 'tcp'; port = [int]$_.LocalPort } }) +
    @(Get-NetUDPEndpoint -ErrorAction SilentlyContinue |
      ForEach-Object { @{ address = $_.LocalAddress; protocol = 'udp'; port = [int]$_.LocalPort } })
  $isOpen = { param($o) $r = Get-NetFirewallRule -Name $o.Name -ErrorAction SilentlyContinue; $r -and $r.Enabled -eq 'True' }
  $fwOn = $false; $fwPersisted = $false
  try {
    $nic = Get-PrimaryNic 'IPv4'
    $fwOn = (Get-NetIPInterface -InterfaceIndex $nic -AddressFamily IPv4).Forwarding -eq 'Enabled'
    $fwPersisted = (Get-NetIPInterface -InterfaceIndex $nic -AddressFamily IPv4 -PolicyStore PersistentStore `
      -ErrorAction SilentlyContinue).Forwarding -eq 'Enabled'
  } catch { }
  $report = [ordered]@{ version = 2; backend = 'windows'
    addresses = Get-Section @($Addresses | ForEach-Object { @{ Token = $_ } }) { param($a) $present -contains $a.Token }
    extra = [ordered]@{ count = $extra.Count; listed = @($extra | Select-Object -First $Budget) }
    open = Get-Section $Open $isOpen
    listening = Get-Section @($Listeners | Where-Object { $_.Protocol -ne 'all' }) { param($l) Test-Listening $l }
    probe_open = Get-Section @(if ($Firewall -eq 'auto') { $Probes }) $isOpen
    probe_listening = Get-Section $Probes { param($p) Test-Listening $p }
    forwarding = [ordered]@{ want = $Forwarding; on = $fwOn; persisted = $fwPersisted } }
  Write-Output ('PROVISIONER-CHECK ' + (ConvertTo-Json -InputObject $report -Compress -Depth 5))
}
$ExitCode = 0
try {
  Invoke-Remove
} catch {
  [Console]::Error.WriteLine('provisioner: error: ' + $_.Exception.Message)
  $ExitCode = 1
}
$Status = if ($ExitCode -eq 0) { 'ok' } else { 'failed' }
$Result = '{"status":"' + $Status + '","exit":' + $ExitCode + '}'
Write-Output ('PROVISIONER-RESULT ' + $Result)
exit $ExitCode
