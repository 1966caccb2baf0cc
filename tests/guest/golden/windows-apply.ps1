# provisioner-guest-manifest: {"action":"apply","addresses":["198.51.100.1","198.51.100.2","203.0.113.9","2001:db8::10"],"open":[{"address":"198.51.100.1","port":80,"protocol":"tcp"},{"address":"198.51.100.2","port":80,"protocol":"tcp"},{"address":"198.51.100.2","port":53,"protocol":"udp"},{"address":"203.0.113.9","port":0,"protocol":"all"},{"address":"2001:db8::10","port":443,"protocol":"tcp"}],"version":1}
# provisioner: Floating IP guest setup (apply) for VM vm1. Generated; safe to run again.
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$Vm = 'vm1'
$Addresses = @('198.51.100.1', '198.51.100.2', '203.0.113.9', '2001:db8::10')
$Open = @(
  @{ Name = 'provisioner-fip-198.51.100.1-tcp-80'; Address = '198.51.100.1'; Protocol = 'tcp'; Port = 80 }
  @{ Name = 'provisioner-fip-198.51.100.2-tcp-80'; Address = '198.51.100.2'; Protocol = 'tcp'; Port = 80 }
  @{ Name = 'provisioner-fip-198.51.100.2-udp-53'; Address = '198.51.100.2'; Protocol = 'udp'; Port = 53 }
  @{ Name = 'provisioner-fip-203.0.113.9-all-0'; Address = '203.0.113.9'; Protocol = 'all'; Port = 0 }
  @{ Name = 'provisioner-fip-2001_db8__10-tcp-443'; Address = '2001:db8::10'; Protocol = 'tcp'; Port = 443 }
)
$Persist = $true
$LoopbackName = 'provisioner-loopback'
$FirewallGroup = 'provisioner'
$StateDir = Join-Path $env:ProgramData 'provisioner'
$NicStateFile = Join-Path $StateDir 'nic-weakhostreceive.txt'

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
  $wanted = @($Open | ForEach-Object { $_.Name })
  foreach ($r in @(Get-NetFirewallRule -Group $FirewallGroup -ErrorAction SilentlyContinue)) {
    if ($wanted -notcontains $r.Name) { Remove-NetFirewallRule -Name $r.Name; Say ('firewall: removed ' + $r.Name) }
  }
  foreach ($o in $Open) {
    if (Get-NetFirewallRule -Name $o.Name -ErrorAction SilentlyContinue) {
      Say ('firewall: ' + $o.Name + ' present'); continue
    }
    $spec = @{ Name = $o.Name; DisplayName = $o.Name; Group = $FirewallGroup; Direction = 'Inbound'
      Action = 'Allow'; Profile = 'Any'; LocalAddress = $o.Address }
    if ($o.Protocol -eq 'all') { $spec.Protocol = 'Any' } else {
      $spec.Protocol = $o.Protocol.ToUpper(); $spec.LocalPort = [string]$o.Port }
    New-NetFirewallRule @spec | Out-Null
    Say ('firewall: added ' + $o.Name)
  }
}

function Invoke-Apply {
  if ($Addresses.Count -eq 0) { Invoke-Remove; return }
  Add-Loopback | Out-Null
  Set-WeakHost
  Sync-Addresses
  Sync-Firewall
  Say ('apply done for ' + $Vm)
}

function Invoke-Remove {
  foreach ($r in @(Get-NetFirewallRule -Group $FirewallGroup -ErrorAction SilentlyContinue)) {
    Remove-NetFirewallRule -Name $r.Name; Say ('firewall: removed ' + $r.Name)
  }
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
  Say ('remove done for ' + $Vm)
}

function Invoke-Check {
  $lo = Get-Loopback
  $addrs = @()
  if ($lo) {
    $addrs = @(Get-NetIPAddress -InterfaceIndex $lo.ifIndex -ErrorAction SilentlyContinue |
      Where-Object { $_.PrefixOrigin -eq 'Manual' } | ForEach-Object { $_.IPAddress })
  }
  $open = @()
  foreach ($o in $Open) {
    $r = Get-NetFirewallRule -Name $o.Name -ErrorAction SilentlyContinue
    if ($r -and $r.Enabled -eq 'True') {
      $open += @{ address = $o.Address; protocol = $o.Protocol; port = $o.Port }
    }
  }
  $ports = @($Open | ForEach-Object { $_.Port })
  $listening = @()
  $sockets = @(Get-NetTCPConnection -State Listen -ErrorAction SilentlyContinue |
      ForEach-Object { @{ address = $_.LocalAddress; protocol = 'tcp'; port = [int]$_.LocalPort } }) +
    @(Get-NetUDPEndpoint -ErrorAction SilentlyContinue |
      ForEach-Object { @{ address = $_.LocalAddress; protocol = 'udp'; port = [int]$_.LocalPort } })
  foreach ($s in $sockets) {
    $wild = @('0.0.0.0', '::') -contains $s.address
    if (($Addresses -contains $s.address) -or ($wild -and ($ports -contains $s.port))) { $listening += $s }
  }
  $report = @{ version = 1; addresses = @($addrs)
    firewall = @{ backend = 'windows'; open = @($open) }; listening = @($listening) }
  Write-Output ('PROVISIONER-CHECK ' + (ConvertTo-Json -InputObject $report -Compress -Depth 5))
}
$ExitCode = 0
try {
  Invoke-Apply
} catch {
  [Console]::Error.WriteLine('provisioner: error: ' + $_.Exception.Message)
  $ExitCode = 1
}
$Status = if ($ExitCode -eq 0) { 'ok' } else { 'failed' }
$Result = '{"status":"' + $Status + '","exit":' + $ExitCode + '}'
Write-Output ('PROVISIONER-RESULT ' + $Result)
exit $ExitCode
