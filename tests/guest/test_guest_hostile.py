"""Adversarial values are refused at construction or come out of the renderers inert."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisioner.guest.quoting import ps_quote, sh_quote
from provisioner.guest.render import render_apply
from provisioner.guest.spec import GuestConfig, GuestSpecError, Listener, parse_address

NASTY = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["10.0.0.1; reboot", "$(id)", "`id`", "10.0.0.1'\"", "vm1\nrm -rf /", "a' + $(x) + '",
         "vm\u2019; Stop-Computer", "${IFS}", "10.0.0.1 && curl x", "::1%$(id)"]
    ),
)  # fmt: skip

PRINTABLE = st.characters(min_codepoint=0x20, exclude_categories=("Cs", "Cc"))

#: What a rendered address, port or protocol may contain: nothing a shell or PowerShell reads
#: as syntax.
INERT = re.compile(r"[0-9a-f.:]+\Z")


@given(NASTY)
def test_addresses_are_parsed_or_refused(value: str) -> None:
    try:
        addr = parse_address(value)
    except GuestSpecError:
        return
    assert INERT.match(str(addr))


@given(NASTY, st.one_of(st.integers(), st.text(max_size=5), st.none()), NASTY)
def test_listeners_from_hostile_parts_are_refused_or_inert(
    addr: str, port: object, proto: str
) -> None:
    try:
        item = Listener(addr, proto, port)  # type: ignore[arg-type]
    except GuestSpecError:
        return
    assert INERT.match(str(item.address)) and proto in ("tcp", "udp", "all")


@given(NASTY)
def test_vm_names_are_refused_or_plain(vm: str) -> None:
    try:
        cfg = GuestConfig(vm=vm, os="linux", listeners=())
    except GuestSpecError:
        return
    assert re.fullmatch(r"[A-Za-z0-9._-]+", cfg.vm)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(alphabet=PRINTABLE, max_size=30))
@pytest.mark.skipif(not shutil.which("sh"), reason="no sh")
def test_sh_quote_is_one_literal_word(value: str) -> None:
    done = subprocess.run(
        ["sh", "-c", f"printf '%s' {sh_quote(value)}"], capture_output=True, text=True
    )
    assert done.stdout == value


def _ps_unquote(literal: str) -> str:
    """PowerShell's reading of a single-quoted literal: any single quote kind, doubled = one."""
    quotes = "'\u2018\u2019\u201a\u201b"
    assert literal[0] == "'" and literal[-1] == "'"
    body, out, i = literal[1:-1], [], 0
    while i < len(body):
        if body[i] in quotes:
            # An undoubled quote would end the literal early: that is the injection.
            assert i + 1 < len(body) and body[i + 1] in quotes, f"literal ends early: {literal!r}"
            out.append(body[i])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


@given(st.text(alphabet=PRINTABLE, max_size=30))
def test_ps_quote_never_ends_the_literal_early(value: str) -> None:
    assert _ps_unquote(ps_quote(value)) == value


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "a\x00b"])
def test_quoting_refuses_control_characters(value: str) -> None:
    with pytest.raises(ValueError):
        sh_quote(value)
    with pytest.raises(ValueError):
        ps_quote(value)


@given(st.lists(st.tuples(st.ip_addresses(v=4), st.integers(1, 65535)), min_size=1, max_size=4))
def test_rendered_headers_hold_only_parsed_values(items: list[tuple[object, int]]) -> None:
    listeners = []
    for addr, port in items:
        try:
            listeners.append(Listener(str(addr), "tcp", port))
        except GuestSpecError:
            continue
    for os_name in ("linux", "windows"):
        cfg = GuestConfig(vm="vm1", os=os_name, listeners=tuple(listeners))  # type: ignore[arg-type]
        script = render_apply(cfg)
        if os_name == "linux":
            data = [ln for ln in script.lines[:12] if re.match(r"(ADDRS|OPEN)=", ln)]
            assert len(data) == 2
            assert all(re.fullmatch(r"[A-Z]+='[0-9a-z./: ]*'", ln) for ln in data)
        for item in cfg.listeners:
            assert str(item.address) in script.text
