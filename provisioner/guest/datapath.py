"""The local data path: Floating IP proven with real packets in Linux network namespaces (root).

A client namespace, a load-balancer hop and one namespace per backend VM are joined by veth pairs
and a bridge. The hop forwards each mapping row as Azure does: with Floating IP the packet keeps
the frontend IP as destination and is routed to the chosen VM's NIC address as next hop; without
it, the destination is rewritten (DNAT) to the VM's NIC IP and backend port. The *generated* Linux
apply script runs inside each VM namespace, in a private mount namespace with an overlay over
``/etc`` (writes land in a per-VM directory of this run) and an empty ``/run`` (so no systemd,
D-Bus or firewalld of the host is reachable): nothing of the host changes. Each VM runs a small
echo service bound as a user would (frontend IP:port for floating rows, NIC IP:backend port
otherwise) plus a probe answer on its NIC IP, and the client sends real TCP/UDP traffic per row.

Only the topology's own addresses are used, and they exist only inside these namespaces; every
namespace is deleted afterwards, also on error.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface, ip_network
from typing import Literal

from provisioner.guest.datapath_security import (
    PROBE_SOURCE,
    Ruleset,
    VmSecurity,
    deciding,
    parse_hits,
    ruleset,
)
from provisioner.guest.output import result_line
from provisioner.guest.spec import VM_NAME, GuestScript, parse_address

Interface = IPv4Interface | IPv6Interface
Address = IPv4Address | IPv6Address

#: One attempt's wait for a reply; a row stops at its first failure.
ATTEMPT_TIMEOUT_S = 1.5
#: How long a namespace's echo service may take to bind its sockets.
READY_TIMEOUT_S = 10.0


class DataPathError(RuntimeError):
    """The namespaces could not be built or a step inside them failed."""


@dataclass(frozen=True)
class BackendVM:
    name: str
    nic: tuple[Interface, ...]  # the NIC's addresses with their subnet, one per IP version
    security: VmSecurity | None = None  # the NSGs in front of its NIC (None: nothing filters)

    def __post_init__(self) -> None:
        if not VM_NAME.match(self.name):
            raise ValueError(f"bad VM name {self.name!r}")

    def address(self, version: int) -> Address:
        for item in self.nic:
            if item.version == version:
                return item.ip
        raise DataPathError(f"{self.name} has no IPv{version} NIC address")


@dataclass(frozen=True)
class MappingRule:
    """One row of the mapping table, as the load balancer applies it."""

    frontend_ip: Address
    protocol: Literal["tcp", "udp"]
    frontend_port: int
    floating: bool
    backend_port: int
    pool: tuple[str, ...]
    name: str = ""
    inside: bool = False  # sent from inside the virtual network (an internal frontend's clients)

    def __post_init__(self) -> None:
        object.__setattr__(self, "frontend_ip", parse_address(self.frontend_ip))
        if self.protocol not in ("tcp", "udp"):
            raise ValueError("the data path sends tcp or udp traffic")
        for port in (self.frontend_port, self.backend_port):
            if not isinstance(port, int) or not 1 <= port <= 65535:
                raise ValueError(f"bad port {port!r}")
        if not self.pool:
            raise ValueError("empty pool")

    @property
    def label(self) -> str:
        return self.name or f"{self.frontend_ip}:{self.frontend_port}/{self.protocol}"


@dataclass(frozen=True)
class Topology:
    client: tuple[Interface, ...]  # the client's addresses (one per IP version in use)
    vms: tuple[BackendVM, ...]
    rows: tuple[MappingRule, ...]
    probe_port: int = 8080
    #: the client's addresses inside the virtual network (for ``inside`` rows), host prefixes
    inside_client: tuple[Interface, ...] = ()
    #: Standard SKU with no NSG drops traffic from outside the virtual network (see
    #: ``datapath_security``); off until the tool compiles NSGs for its blueprints
    enforce_secure_by_default: bool = False

    def vm(self, name: str) -> BackendVM:
        for item in self.vms:
            if item.name == name:
                return item
        raise DataPathError(f"unknown VM {name!r}")


@dataclass(frozen=True)
class RowResult:
    row: MappingRule
    ok: bool
    served_by: tuple[str, ...]  # VMs that answered
    reply_from: str | None  # the address the client saw the reply come from
    detail: str


@dataclass
class _Run:
    tag: str
    workdir: str
    namespaces: list[str] = field(default_factory=list)
    processes: list[subprocess.Popen[str]] = field(default_factory=list)


def available() -> str | None:
    """None when the data path can run here, else why not (for a clean pytest skip)."""
    if sys.platform != "linux":
        return "not Linux"
    if os.geteuid() != 0:
        return "needs root"
    for tool in ("ip", "nft", "unshare"):
        if not shutil.which(tool):
            return f"{tool} not installed"
    name = f"pvprobe-{secrets.token_hex(3)}"
    added = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if added.returncode != 0:
        return f"ip netns unavailable: {added.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    return None


def _sh(*argv: str, ns: str | None = None, stdin: str | None = None) -> str:
    cmd = ["ip", "netns", "exec", ns, *argv] if ns else list(argv)
    done = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise DataPathError(f"{' '.join(cmd)} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def _hop_address(network: object, taken: set[Address]) -> Interface:
    net = ip_network(str(network))
    for host in net.hosts():
        if host not in taken:
            return (
                IPv4Interface(f"{host}/{net.prefixlen}")
                if host.version == 4
                else IPv6Interface(f"{host}/{net.prefixlen}")
            )
    raise DataPathError(f"no free address for the load-balancer hop in {net}")


def _ip(version: int) -> list[str]:
    return ["ip", "-6"] if version == 6 else ["ip", "-4"]


def _addr_add(ns: str, item: Interface, dev: str) -> None:
    extra = ["nodad"] if item.version == 6 else []
    _sh("ip", "addr", "add", str(item), "dev", dev, *extra, ns=ns)


class DataPath:
    """The namespaces of one topology; use as a context manager (teardown in ``finally``)."""

    def __init__(self, topology: Topology) -> None:
        self.topology = topology
        tag = secrets.token_hex(3)
        self._run = _Run(tag=tag, workdir=tempfile.mkdtemp(prefix=f"pv-datapath-{tag}-"))
        self.client_ns = f"pv{tag}-c"
        self.lb_ns = f"pv{tag}-lb"
        self.vm_ns = {vm.name: f"pv{tag}-v{i}" for i, vm in enumerate(topology.vms)}
        self.rulesets: dict[str, Ruleset] = {}  # VM name → its security filter

    # --- lifecycle ---------------------------------------------------------------------
    def __enter__(self) -> DataPath:
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for proc in self._run.processes:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
        self._run.processes.clear()
        for ns in reversed(self._run.namespaces):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        self._run.namespaces.clear()
        shutil.rmtree(self._run.workdir, ignore_errors=True)

    def _add_ns(self, name: str) -> None:
        _sh("ip", "netns", "add", name)
        self._run.namespaces.append(name)
        # No duplicate address detection: fresh links would hold IPv6 (and neighbour discovery)
        # back for a second or two, and these namespaces hold no duplicates by construction.
        for key in ("net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"):
            _sh("sysctl", "-qw", key, ns=name)
        _sh("ip", "link", "set", "lo", "up", ns=name)

    def _build(self) -> None:
        topo = self.topology
        for ns in (self.client_ns, self.lb_ns, *self.vm_ns.values()):
            self._add_ns(ns)
        lb = self.lb_ns
        for key in ("net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"):
            _sh("sysctl", "-qw", key, ns=lb)
        for key in ("net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0"):
            _sh("sysctl", "-qw", key, ns=lb)

        # client <-> hop
        _sh("ip", "link", "add", "eth0", "netns", self.client_ns, "type", "veth",
            "peer", "name", "c0", "netns", lb)  # fmt: skip
        for ns, dev in ((self.client_ns, "eth0"), (lb, "c0")):
            _sh("ip", "link", "set", dev, "up", ns=ns)
        taken = {i.ip for i in topo.client} | {a.ip for vm in topo.vms for a in vm.nic}
        for item in topo.client:
            hop = _hop_address(item.network, taken)
            _addr_add(self.client_ns, item, "eth0")
            _addr_add(lb, hop, "c0")
            _sh(
                *_ip(item.version), "route", "add", "default", "via", str(hop.ip), ns=self.client_ns
            )
        for item in topo.inside_client:  # host routes: the hop sends them back to the client
            _addr_add(self.client_ns, item, "eth0")
            _sh(*_ip(item.version), "route", "add", str(item.ip), "dev", "c0", ns=lb)
        _sh("ip", "addr", "add", f"{PROBE_SOURCE}/32", "dev", "lo", ns=lb)  # probes come from it

        # hop bridge <-> VMs
        _sh("ip", "link", "add", "br0", "type", "bridge", ns=lb)
        _sh("ip", "link", "set", "br0", "up", ns=lb)
        gateways: dict[object, Interface] = {}
        for vm in topo.vms:
            for item in vm.nic:
                if item.network not in gateways:
                    gateways[item.network] = _hop_address(item.network, taken)
                    _addr_add(lb, gateways[item.network], "br0")
        for i, vm in enumerate(topo.vms):
            ns = self.vm_ns[vm.name]
            _sh("ip", "link", "add", "eth0", "netns", ns, "type", "veth",
                "peer", "name", f"v{i}", "netns", lb)  # fmt: skip
            _sh("ip", "link", "set", f"v{i}", "master", "br0", "up", ns=lb)
            _sh("ip", "link", "set", "eth0", "up", ns=ns)
            for item in vm.nic:
                _addr_add(ns, item, "eth0")
                gw = gateways[item.network].ip
                _sh(*_ip(item.version), "route", "add", "default", "via", str(gw), ns=ns)
            # Marked packets (Floating IP flows chosen for this VM) go to its NIC as next hop.
            table = str(1000 + i)
            for item in vm.nic:
                _sh(*_ip(item.version), "route", "add", "default", "via", str(item.ip),
                    "dev", "br0", "table", table, ns=lb)  # fmt: skip
                _sh(*_ip(item.version), "rule", "add", "fwmark", hex(0x1000 + i),
                    "table", table, ns=lb)  # fmt: skip
        _sh("nft", "-f", "-", ns=lb, stdin=self.lb_ruleset())
        for vm in topo.vms:
            if vm.security is not None and vm.security.filters(topo.enforce_secure_by_default):
                rs = ruleset(vm.security, topo.enforce_secure_by_default)
                _sh("nft", "-f", "-", ns=self.vm_ns[vm.name], stdin=rs.text)
                self.rulesets[vm.name] = rs

    def lb_ruleset(self) -> str:
        """The hop's nftables program: one mark (Floating IP) or DNAT (not) rule per row."""
        topo = self.topology
        index = {vm.name: i for i, vm in enumerate(topo.vms)}
        mark_rules, nat_rules = [], []
        for row in topo.rows:
            fam = "ip6" if row.frontend_ip.version == 6 else "ip"
            match = f"{fam} daddr {row.frontend_ip} {row.protocol} dport {row.frontend_port}"
            key = f"jhash {fam} saddr . {row.protocol} sport mod {len(row.pool)}"
            if row.floating:
                marks = ", ".join(
                    f"{n} : {hex(0x1000 + index[vm])}" for n, vm in enumerate(row.pool)
                )
                mark_rules.append(f"    {match} meta mark set {key} map {{ {marks} }}")
                if row.backend_port != row.frontend_port:
                    # Floating IP keeps the destination IP; only the port is rewritten.
                    dst = f"[{row.frontend_ip}]" if fam == "ip6" else str(row.frontend_ip)
                    nat_rules.append(f"    {match} dnat {fam} to {dst}:{row.backend_port}")
            else:
                targets = []
                for n, vm in enumerate(row.pool):
                    addr = topo.vm(vm).address(row.frontend_ip.version)
                    targets.append(f"{n} : {addr}")
                nat_rules.append(
                    f"    {match} dnat {fam} to {key} map {{ {', '.join(targets)} }}"
                    f" : {row.backend_port}"
                )
        return "\n".join(
            [
                "table inet pvlb {",
                "  chain lbmark { type filter hook prerouting priority mangle; policy accept;",
                *mark_rules,
                "  }",
                "  chain lbnat { type nat hook prerouting priority dstnat; policy accept;",
                *nat_rules,
                "  }",
                "}",
                "",
            ]
        )

    # --- inside a VM -------------------------------------------------------------------
    def run_script(self, vm: str, script: GuestScript) -> tuple[int, str, str]:
        """Run a Linux guest script in ``vm``'s namespace, sandboxed; (exit status, out, err).

        ``/etc`` is an overlay whose upper directory belongs to this VM for the whole run, so a
        second script sees what the first wrote, as on a real disk.
        """
        if script.command_id != "RunShellScript":
            raise DataPathError("only Linux scripts run in the data path")
        upper, work = self.vm_state(vm), os.path.join(self._run.workdir, vm, "work")
        os.makedirs(upper, exist_ok=True)
        os.makedirs(work, exist_ok=True)
        prelude = (
            'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc'
            " && mount -t tmpfs tmpfs /run && exec sh -s"
        )
        cmd = ["ip", "netns", "exec", self.vm_ns[vm], "unshare", "--mount", "--propagation",
               "private", "sh", "-c", prelude, "sandbox", upper, work]  # fmt: skip
        done = subprocess.run(cmd, input=script.text, capture_output=True, text=True, timeout=120)
        return done.returncode, done.stdout, done.stderr

    def vm_state(self, vm: str) -> str:
        """The directory holding what scripts in ``vm`` wrote under /etc."""
        return os.path.join(self._run.workdir, vm, "etc")

    def exec(self, vm: str, *argv: str) -> str:
        return _sh(*argv, ns=self.vm_ns[vm])

    # --- traffic -----------------------------------------------------------------------
    def start_services(self) -> None:
        """Start each VM's echo service and wait until every socket is bound."""
        topo = self.topology
        for vm in topo.vms:
            binds: list[tuple[str, str, int]] = [
                (str(item.ip), "tcp", topo.probe_port) for item in vm.nic
            ]
            for row in topo.rows:
                if vm.name not in row.pool:
                    continue
                if row.floating:
                    binds.append((str(row.frontend_ip), row.protocol, row.backend_port))
                else:
                    addr = vm.address(row.frontend_ip.version)
                    binds.append((str(addr), row.protocol, row.backend_port))
            spec = json.dumps({"vm": vm.name, "binds": sorted(set(binds))})
            proc = subprocess.Popen(
                ["ip", "netns", "exec", self.vm_ns[vm.name], sys.executable, "-c", _SERVER, spec],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            self._run.processes.append(proc)
            _wait_ready(proc, vm.name)

    def probe(self) -> dict[str, bool]:
        """Azure-style health probes from the hop to each VM's NIC IP (not the frontend IP),
        sent from the load balancer's probe source, 168.63.129.16."""
        reqs = [
            {
                "id": vm.name,
                "proto": "tcp",
                "dst": str(vm.nic[0].ip),
                "port": self.topology.probe_port,
                "attempts": 1,
                "src": PROBE_SOURCE if vm.nic[0].version == 4 else None,
            }  # fmt: skip
            for vm in self.topology.vms
        ]
        out = _client(self.lb_ns, reqs)
        return {vm.name: bool(out[vm.name] and out[vm.name][0]["ok"]) for vm in self.topology.vms}

    def send(self, attempts: int = 4) -> list[RowResult]:
        """Client traffic for every row; each row must reach its pool and hear the frontend IP.
        A row that fails names the NSG rules that dropped it, as the VMs' filters recorded."""
        rows = self.topology.rows
        reqs = [
            {
                "id": str(n),
                "proto": r.protocol,
                "dst": str(r.frontend_ip),
                "port": r.frontend_port,
                "attempts": attempts,
                "src": self._source(r),
            }  # fmt: skip
            for n, r in enumerate(rows)
        ]
        out = _client(self.client_ns, reqs)
        results = [_judge(row, out[str(n)]) for n, row in enumerate(rows)]
        return self._explain(results)

    def _source(self, row: MappingRule) -> str | None:
        if not row.inside:
            return None
        for item in self.topology.inside_client:
            if item.version == row.frontend_ip.version:
                return str(item.ip)
        return None

    def dropped_by(self, vm: str, destination: object, protocol: str, port: int) -> list[str]:
        """The NSG rules of ``vm``'s filter that dropped traffic to (destination, port)."""
        rs = self.rulesets.get(vm)
        if rs is None:
            return []
        hits = parse_hits(_sh("nft", "-j", "list", "table", "inet", "pvnsg", ns=self.vm_ns[vm]))
        return deciding(rs.labels, hits, str(destination), protocol, port)

    def _explain(self, results: list[RowResult]) -> list[RowResult]:
        out = []
        for r in results:
            if r.ok or not self.rulesets:
                out.append(r)
                continue
            row, blocked = r.row, []
            for name in row.pool:
                vm = self.topology.vm(name)
                dst = row.frontend_ip if row.floating else vm.address(row.frontend_ip.version)
                for label in self.dropped_by(name, dst, row.protocol, row.backend_port):
                    if label not in blocked:
                        blocked.append(label)
            if blocked:
                r = dataclasses.replace(r, detail=f"dropped by NSG {'; '.join(blocked)}")
            out.append(r)
        return out


def _judge(row: MappingRule, tries: list[dict[str, object]]) -> RowResult:
    served = tuple(sorted({str(t["vm"]) for t in tries if t["ok"]}))
    peers = {str(t["peer"]) for t in tries if t["ok"]}
    failed = [t for t in tries if not t["ok"]]
    reply_from = next(iter(peers)) if len(peers) == 1 else None
    if failed:
        why = str(failed[0]["error"])
        hint = (
            " (Floating IP: the frontend IP must be on the VM's loopback:"
            " was the guest script run?)"
            if row.floating
            else ""
        )
        return RowResult(row, False, served, reply_from, f"no reply: {why}{hint}")
    stray = [vm for vm in served if vm not in row.pool]
    if stray:
        return RowResult(
            row, False, served, reply_from, f"answered by VMs outside the pool: {stray}"
        )
    if peers != {str(row.frontend_ip)}:
        return RowResult(
            row, False, served, reply_from, f"reply came from {sorted(peers)}, not the frontend IP"
        )
    return RowResult(row, True, served, reply_from, "ok")


def _wait_ready(proc: subprocess.Popen[str], vm: str) -> None:
    assert proc.stdout is not None
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        line = proc.stdout.readline()
        if line.strip() == "READY":
            return
        if not line:
            break
    err = proc.stderr.read() if proc.stderr and proc.poll() is not None else ""
    raise DataPathError(f"echo service on {vm} did not start: {err.strip()}")


def _client(ns: str, reqs: list[dict[str, object]]) -> dict[str, list[dict[str, object]]]:
    out = _sh(sys.executable, "-c", _CLIENT, json.dumps(reqs), str(ATTEMPT_TIMEOUT_S), ns=ns)
    return json.loads(out)


@contextmanager
def datapath(topology: Topology) -> Iterator[DataPath]:
    """``with datapath(topo) as dp:`` — the namespaces exist inside the block only."""
    with DataPath(topology) as dp:
        yield dp


def run_datapath(
    topology: Topology, scripts: Mapping[str, GuestScript], skip_guest: bool = False
) -> list[RowResult]:
    """Build the namespaces, run each VM's apply script, serve, probe, send; then tear down.

    ``scripts`` maps VM name → its generated Linux apply script. With ``skip_guest`` no script
    runs, and every Floating IP row fails (with a message that says so): the negative proof.
    Raises ``DataPathError`` when a script reports failure or a probe gets no answer.
    """
    with DataPath(topology) as dp:
        if not skip_guest:
            for vm, script in sorted(scripts.items()):
                status, out, err = dp.run_script(vm, script)
                line = result_line(out)
                if status != 0 or not line or line.get("status") != "ok":
                    raise DataPathError(f"guest script on {vm} failed ({status}): {err.strip()}")
        dp.start_services()
        down = [vm for vm, ok in dp.probe().items() if not ok]
        if down:
            why = [
                f"{vm}: dropped by NSG {label}"
                for vm in down
                for label in dp.dropped_by(
                    vm, dp.topology.vm(vm).nic[0].ip, "tcp", dp.topology.probe_port
                )
            ]
            raise DataPathError(
                f"health probe on the NIC IP got no answer from {down}"
                + (f" ({'; '.join(why)})" if why else "")
            )
        return dp.send()


def results_table(results: Sequence[RowResult]) -> str:
    """A plain-text table of row results, for failure messages and the CLI."""
    lines = []
    for r in results:
        mark = "ok  " if r.ok else "FAIL"
        mode = "floating" if r.row.floating else "dnat"
        served = ",".join(r.served_by) or "-"
        lines.append(f"{mark} {r.row.label:<32} {mode:<8} served_by={served} {r.detail}")
    return "\n".join(lines)


# Helper programs run inside namespaces (``python -c``). They take JSON and print JSON.
_SERVER = r"""
import json, selectors, socket, sys
spec = json.loads(sys.argv[1])
vm = spec["vm"]
sel = selectors.DefaultSelector()
for addr, proto, port in spec["binds"]:
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(fam, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Freebind: binding never depends on the address being present, delivery does.
    s.setsockopt(socket.IPPROTO_IP, 15, 1)
    s.bind((addr, port))
    if proto == "tcp":
        s.listen(16)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, proto)
print("READY", flush=True)
while True:
    for key, _ in sel.select():
        s = key.fileobj
        if key.data == "tcp":
            conn, _ = s.accept()
            conn.settimeout(2)
            try:
                conn.recv(256)
                conn.sendall(f"{vm} {conn.getsockname()[0]}\n".encode())
            except OSError:
                pass
            conn.close()
        else:
            data, peer = s.recvfrom(256)
            s.sendto(f"{vm} {s.getsockname()[0]}\n".encode(), peer)
"""

_CLIENT = r"""
import json, socket, sys
reqs, timeout = json.loads(sys.argv[1]), float(sys.argv[2])
out = {}
for req in reqs:
    tries = []
    fam = socket.AF_INET6 if ":" in req["dst"] else socket.AF_INET
    for _ in range(req["attempts"]):
        kind = socket.SOCK_STREAM if req["proto"] == "tcp" else socket.SOCK_DGRAM
        s = socket.socket(fam, kind)
        s.settimeout(timeout)
        try:
            if req.get("src"):
                s.bind((req["src"], 0))
            if req["proto"] == "tcp":
                s.connect((req["dst"], req["port"]))
                s.sendall(b"hello\n")
                data, peer = s.recv(256), s.getpeername()[0]
            else:
                s.sendto(b"hello\n", (req["dst"], req["port"]))
                data, addr = s.recvfrom(256)
                peer = addr[0]
            vm, local = data.decode().split()
            tries.append({"ok": True, "vm": vm, "local": local, "peer": peer, "error": None})
        except (OSError, ValueError) as exc:
            tries.append({"ok": False, "vm": None, "local": None, "peer": None, "error": repr(exc)})
            break
        finally:
            s.close()
    out[req["id"]] = tries
print(json.dumps(out))
"""
