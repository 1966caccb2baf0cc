"""The check report (``PROVISIONER-CHECK``): reading it and judging it against a ``GuestConfig``.

Run-command returns only the last 4,096 bytes of a script's output, so the report of format 2
stays small whatever the VM holds: per section (``addresses``, ``open``, ``listening``,
``probe_open``, ``probe_listening``) the number of entries wanted and held, a digest of the
entries held and at most :data:`~provisioner.guest.markers.REPORT_BUDGET` of those that are not;
``extra`` counts (and lists up to the budget) the loopback addresses nobody asked for;
``forwarding`` says whether IPv4 forwarding is wanted, on, and persisted. The digest is the first
16 hex digits of the SHA-256 of the held entries' tokens (``Listener.token``, ``ProbePort.token``,
addresses as text), sorted bytewise, one per line: the tool computes it from the configuration
and so knows that the script checked exactly the entries it was rendered with.

Format 1 (full lists of addresses, open entries and listening sockets) is still read: a VM
configured by an older provisioner answers a check in it until its next apply.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from ipaddress import ip_address
from typing import Any

from provisioner.guest.markers import CHECK_PREFIX, FORMAT_VERSION
from provisioner.guest.spec import GuestConfig, GuestSpecError, Listener, parse_address

SECTIONS = ("addresses", "open", "listening", "probe_open", "probe_listening")


class OutputError(ValueError):
    """A run-command result or check line that does not have the expected shape."""


@dataclass(frozen=True)
class Socket:
    """A listening socket; ``address`` may be a wildcard (``0.0.0.0``, ``::``)."""

    address: str
    protocol: str
    port: int


@dataclass(frozen=True)
class Section:
    """One section of a format-2 report."""

    want: int
    have: int
    digest: str
    missing: tuple[str, ...]  # tokens not held, at most the budget

    @property
    def unlisted(self) -> int:
        """Entries not held that the report only counts."""
        return max(0, self.want - self.have - len(self.missing))

    def holds(self, token: str) -> bool:
        """Whether the entry ``token`` is held; an entry the report may have left unlisted
        counts as not held."""
        return token not in self.missing and self.unlisted == 0


@dataclass(frozen=True)
class Forwarding:
    want: bool
    on: bool
    persisted: bool


@dataclass(frozen=True)
class CheckReport:
    """What a check script found on the VM.

    ``addresses`` and ``open`` are what format 1 lists; for format 2 they are rebuilt from the
    configuration when the report lists every mismatch (else the wanted ones are left out), and
    ``addresses`` adds the extra loopback addresses it lists.
    """

    addresses: tuple[str, ...]
    backend: str  # ufw | firewalld | nftables | iptables | none | windows
    open: tuple[Listener, ...]
    listening: tuple[Socket, ...]
    version: int = 1
    sections: Mapping[str, Section] = field(default_factory=dict)
    extra: int = 0  # loopback addresses nobody asked for (format 2)
    forwarding: Forwarding | None = None


def token_digest(tokens: Iterable[str]) -> str:
    """What a script prints as a section's digest for the entries ``tokens``."""
    text = "".join(t + "\n" for t in sorted(tokens, key=lambda t: t.encode()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def expected_tokens(cfg: GuestConfig) -> dict[str, tuple[str, ...]]:
    """Per section, the entries a check script rendered from ``cfg`` looks for."""
    return {
        "addresses": tuple(str(a) for a in cfg.addresses),
        "open": tuple(i.token for i in cfg.open),
        "listening": tuple(i.token for i in cfg.listeners if i.protocol != "all"),
        "probe_open": tuple(p.token for p in cfg.probe_open),
        "probe_listening": tuple(p.token for p in cfg.probes),
    }


# --- reading ----------------------------------------------------------------------------------


def _entries(raw: Any, where: str) -> tuple[Listener, ...]:
    if not isinstance(raw, list):
        raise OutputError(f"check: {where} must be a list")
    out = []
    for item in raw:
        if not isinstance(item, Mapping):
            raise OutputError(f"check: {where} entries must be objects")
        try:
            out.append(
                Listener(
                    address=parse_address(str(item.get("address"))),
                    protocol=item.get("protocol"),  # type: ignore[arg-type]
                    port=item.get("port"),  # type: ignore[arg-type]
                )
            )
        except GuestSpecError:
            # A wildcard listener (0.0.0.0 / ::) or a socket on an odd port is information,
            # not an error; only well-formed entries are kept.
            continue
    return tuple(out)


def _listening(raw: Any) -> tuple[Socket, ...]:
    if not isinstance(raw, list):
        raise OutputError("check: listening must be a list")
    out = []
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        addr, protocol, port = item.get("address"), item.get("protocol"), item.get("port")
        if protocol not in ("tcp", "udp") or isinstance(port, bool) or not isinstance(port, int):
            continue
        try:
            text = str(ip_address(str(addr)))  # wildcards (0.0.0.0, ::) are kept
        except ValueError:
            continue
        out.append(Socket(address=text, protocol=protocol, port=port))
    return tuple(out)


def _addresses(raw: Any) -> list[str]:
    if not isinstance(raw, list):
        raise OutputError("check: addresses must be a list")
    parsed: list[str] = []
    for a in raw:
        try:
            parsed.append(str(parse_address(str(a))))
        except GuestSpecError:
            continue
    return parsed


def _v1(data: dict[str, Any]) -> CheckReport:
    firewall = data.get("firewall")
    if not isinstance(firewall, Mapping):
        raise OutputError("check: firewall must be an object")
    return CheckReport(
        addresses=tuple(_addresses(data.get("addresses"))),
        backend=str(firewall.get("backend", "")),
        open=_entries(firewall.get("open", []), "firewall.open"),
        listening=_listening(data.get("listening", [])),
    )


def _count(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise OutputError(f"check: {where} must be a count")
    return value


def _section(raw: Any, name: str) -> Section:
    if not isinstance(raw, Mapping):
        raise OutputError(f"check: {name} must be an object")
    missing = raw.get("missing")
    if not isinstance(missing, list) or not all(isinstance(t, str) for t in missing):
        raise OutputError(f"check: {name}.missing must be a list of entries")
    return Section(
        want=_count(raw.get("want"), f"{name}.want"),
        have=_count(raw.get("have"), f"{name}.have"),
        digest=str(raw.get("digest", "")),
        missing=tuple(missing),
    )


def _v2(data: dict[str, Any], cfg: GuestConfig | None) -> CheckReport:
    sections = {name: _section(data.get(name), name) for name in SECTIONS}
    extra = data.get("extra")
    fwd = data.get("forwarding")
    if not isinstance(extra, Mapping) or not isinstance(fwd, Mapping):
        raise OutputError("check: extra and forwarding must be objects")
    extras = _addresses(extra.get("listed", []))
    addresses: list[str] = []
    opened: tuple[Listener, ...] = ()
    if cfg is not None:
        held = sections["addresses"]
        addresses = [str(a) for a in cfg.addresses if held.holds(str(a))]
        opened = tuple(i for i in cfg.open if sections["open"].holds(i.token))
    return CheckReport(
        addresses=tuple(addresses + extras),
        backend=str(data.get("backend", "")),
        open=opened,
        listening=(),
        version=2,
        sections=sections,
        extra=_count(extra.get("count"), "extra.count"),
        forwarding=Forwarding(
            want=fwd.get("want") is True,
            on=fwd.get("on") is True,
            persisted=fwd.get("persisted") is True,
        ),
    )


def parse_check(stdout: str, cfg: GuestConfig | None = None) -> CheckReport:
    """The last ``PROVISIONER-CHECK`` line of a check script's stdout.

    ``cfg`` (what the script was rendered from) lets a format-2 report say which addresses and
    entries it holds (``addresses``, ``open``); its counts and mismatches need no ``cfg``.
    """
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if not line.startswith(CHECK_PREFIX):
            continue
        try:
            data = json.loads(line[len(CHECK_PREFIX) :])
        except ValueError as exc:
            raise OutputError(f"check: not JSON: {exc}") from exc
        if not isinstance(data, dict) or data.get("version") not in (1, FORMAT_VERSION):
            raise OutputError("check: unknown format version")
        return _v1(data) if data["version"] == 1 else _v2(data, cfg)
    raise OutputError("check: no PROVISIONER-CHECK line in the output")


# --- judging ----------------------------------------------------------------------------------


def _named(token: str) -> str:
    """``198.51.100.1/tcp/80`` → ``198.51.100.1 tcp/80``; probe tokens drop their source."""
    parts = token.split("/")
    if len(parts) < 3:
        return token
    port = "all ports" if parts[1] == "all" else f"{parts[1]}/{parts[2]}"
    return f"{parts[0]} {port}"


def _section_lacks(what: str, section: Section, expected: tuple[str, ...]) -> list[str]:
    out = [f"{what} {_named(t)}" for t in section.missing]
    if section.unlisted:
        out.append(f"{section.unlisted} more {what} entr{'y' if section.unlisted == 1 else 'ies'}")
    if not out and section.want != len(expected):
        out.append(f"{what}: the script checked {section.want} entries, not {len(expected)}")
    elif not out and section.digest not in ("-", token_digest(expected)):
        out.append(f"{what}: the report's digest does not match the configuration")
    return out


def lacking(cfg: GuestConfig, report: CheckReport) -> list[str]:
    """What the VM lacks, in words (``[]`` when converged).

    Needed: every frontend IP; with ``firewall: auto`` and an active firewall, every Floating IP
    entry and probe port open; IPv4 forwarding on (and persisted) when asked. Listening sockets
    are the application's business and not required.
    """
    firewall = cfg.firewall == "auto" and report.backend != "none"
    if report.version == 1:
        have = {parse_address(a) for a in report.addresses}
        out = [f"address {a}" for a in cfg.addresses if a not in have]
        if firewall:
            opened = set(report.open)
            out += [f"firewall {_named(i.token)}" for i in cfg.open if i not in opened]
        return out
    expected = expected_tokens(cfg)
    s = report.sections
    out = _section_lacks("address", s["addresses"], expected["addresses"])
    if firewall:
        out += _section_lacks("firewall", s["open"], expected["open"])
        out += _section_lacks("probe port", s["probe_open"], expected["probe_open"])
    fwd = report.forwarding
    if cfg.forwarding and fwd is not None:
        if not fwd.on:
            out.append("IPv4 forwarding")
        elif cfg.persist and not fwd.persisted:
            out.append("IPv4 forwarding persisted")
    return out


def converged(cfg: GuestConfig, report: CheckReport) -> bool:
    """True when the VM holds everything :func:`lacking` asks for.

    With no active host firewall (``backend == "none"``) nothing blocks the traffic, so the
    entries count as open.
    """
    return not lacking(cfg, report)


def silent_probes(cfg: GuestConfig, report: CheckReport) -> list[str]:
    """The probe ports nothing listens on yet (format 2; ``[]`` for format 1)."""
    section = report.sections.get("probe_listening")
    if section is None:
        return []
    listed = [_named(t) for t in section.missing]
    if section.unlisted:
        listed.append(f"{section.unlisted} more")
    return listed


def found(cfg: GuestConfig, report: CheckReport) -> str:
    """What the check found, in counts (format 2; ``""`` for format 1): frontends bound,
    Floating IP ports and probe ports open, probe ports listening, and forwarding when asked.

    ``2/2`` is held/wanted. Ports are not counted as open or closed where no host firewall is
    in the way (``firewall: off``, or none active): nothing there blocks them.
    """
    if report.version != 2:
        return ""
    s = report.sections

    def ratio(name: str) -> str:
        return f"{s[name].have}/{s[name].want}"

    parts = [f"frontends bound {ratio('addresses')}"]
    if cfg.firewall == "off":
        parts.append("host firewall left alone (firewall: off)")
    elif report.backend == "none":
        parts.append("no active host firewall")
    else:
        parts.append(f"floating ports open {ratio('open')}")
        parts.append(f"probe ports open {ratio('probe_open')}")
    parts.append(f"probe ports listening {ratio('probe_listening')}")
    fwd = report.forwarding
    if cfg.forwarding and fwd is not None:
        state = "on" if fwd.on else "off"
        if fwd.on and cfg.persist:
            state += ", persisted" if fwd.persisted else ", not persisted"
        parts.append(f"IPv4 forwarding {state}")
    return "; ".join(parts)
