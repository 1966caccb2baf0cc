"""Quoting for the two script languages, for the rare value that is not already inert.

Renderers pass only parsed values (addresses, ints, names from closed sets), so quoting is a
second line of defence: whatever string reaches these functions comes out as one literal word.
"""

from __future__ import annotations

#: Characters PowerShell treats as a single quote inside a single-quoted string (it accepts the
#: typographic quotes as well as the ASCII one), each of which must be doubled to stay literal.
_PS_SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"


def _reject_controls(value: str) -> None:
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise ValueError(f"control character in script value: {value!r}")


def sh_quote(value: str) -> str:
    """One POSIX sh word whose value is ``value``: single-quoted, ``'`` as ``'\\''``.

    Control characters are refused: a newline would end a comment line in the manifest, and
    nothing we render needs one.
    """
    _reject_controls(value)
    return "'" + value.replace("'", "'\\''") + "'"


def ps_quote(value: str) -> str:
    """A PowerShell single-quoted string literal for ``value`` (no expansion inside).

    Every character PowerShell reads as a single quote is doubled, so the literal cannot end
    early; control characters are refused.
    """
    _reject_controls(value)
    out = []
    for ch in value:
        out.append(ch * 2 if ch in _PS_SINGLE_QUOTES else ch)
    return "'" + "".join(out) + "'"
