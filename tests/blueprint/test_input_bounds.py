"""Bounded input (issue 16, items 7 and 8): a hostile file is refused with one finding, early.

The file is read up to a size limit and never past it; nesting depth and scalar length are
checked while the YAML events stream in, before anything recursive runs on them; a document that
expands past the node limit stops there with one finding that says what was counted. Each limit
holds on both YAML paths (libyaml's events and ruamel's pure-Python composer).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from provisioner.blueprint import loader, yaml_document
from provisioner.blueprint.loader import MAX_BYTES_ENV, load_blueprint, parse_blueprint
from provisioner.errors import BlueprintInvalid

HEAD = "blueprint: 1\nname: x\nlocation: westeurope\n"


@pytest.fixture(params=["libyaml", "ruamel"])
def yaml_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test on the libyaml fast path and again on the ruamel path alone."""
    if request.param == "ruamel":
        monkeypatch.setattr(yaml_document, "_compose_in_c", lambda _t: yaml_document._UNAVAILABLE)
    return request.param


def _only(exc: BlueprintInvalid):
    assert len(exc.findings) == 1, [f.message for f in exc.findings]
    return exc.findings[0]


def _refused(text: str, file: str = "bp.yaml"):
    with pytest.raises(BlueprintInvalid) as caught:
        parse_blueprint(text, file)
    assert caught.value.exit_code == 2
    return _only(caught.value)


# -- size ---------------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_one_finding_naming_the_file_and_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(MAX_BYTES_ENV, "1000")
    path = tmp_path / "big.yaml"
    path.write_text(HEAD + "description: " + "x" * 2000 + "\n")

    with pytest.raises(BlueprintInvalid) as caught:
        load_blueprint(path)

    finding = _only(caught.value)
    assert finding.code == "FileTooLarge"
    assert str(path) in finding.message and "1000" in finding.message
    assert MAX_BYTES_ENV in (finding.hint or "")
    assert caught.value.exit_code == 2


def test_the_size_limit_is_read_at_most_one_byte_past(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Whatever size the file claims, at most limit + 1 bytes are asked for."""
    monkeypatch.setenv(MAX_BYTES_ENV, "1000")
    path = tmp_path / "grows.yaml"
    path.write_text(HEAD + "#" + "x" * 5000 + "\n")
    asked: list[int] = []
    real_read = loader._read_at_most

    def spy(fd: int, limit: int) -> bytes:
        asked.append(limit)
        return real_read(fd, limit)

    monkeypatch.setattr(loader, "_read_at_most", spy)

    with pytest.raises(BlueprintInvalid) as caught:
        load_blueprint(path)

    assert _only(caught.value).code == "FileTooLarge"
    assert asked == [1001]


def test_the_size_limit_can_be_raised_through_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "bp.yaml"
    text = HEAD + "network: {address_space: 10.0.0.0/16, subnets: {a: 10.0.1.0/24}}\n"
    path.write_text(text + "#" * 300 + "\n")
    monkeypatch.setenv(MAX_BYTES_ENV, "200")
    with pytest.raises(BlueprintInvalid):
        load_blueprint(path)

    monkeypatch.setenv(MAX_BYTES_ENV, "4096")

    assert load_blueprint(path).blueprint.name == "x"


@pytest.mark.parametrize("value", ["lots", "-5", "0", "1.5"])
def test_a_bad_size_limit_setting_is_a_finding_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
):
    monkeypatch.setenv(MAX_BYTES_ENV, value)
    path = tmp_path / "bp.yaml"
    path.write_text(HEAD)

    with pytest.raises(BlueprintInvalid) as caught:
        load_blueprint(path)

    finding = _only(caught.value)
    assert finding.code == "InvalidSetting" and MAX_BYTES_ENV in finding.message
    assert caught.value.exit_code == 2


def test_the_default_size_limit_is_a_few_megabytes_and_fits_a_blueprint_at_azures_limits():
    # bench/validate_scale.py's blueprint at Azure's limits is ~220 kB; doubled ~420 kB.
    assert 1_000_000 <= loader.DEFAULT_MAX_BYTES <= 16_000_000


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path):
    fifo = tmp_path / "bp.yaml"
    os.mkfifo(fifo)

    with pytest.raises(BlueprintInvalid) as caught:
        load_blueprint(fifo)

    finding = _only(caught.value)
    assert finding.code == "FileUnreadable"
    assert str(fifo) in finding.message and "named pipe" in finding.message
    assert finding.hint == "save the blueprint to a file and give its path"


def test_a_directory_is_refused_with_a_hint(tmp_path: Path):
    with pytest.raises(BlueprintInvalid) as caught:
        load_blueprint(tmp_path)

    finding = _only(caught.value)
    assert finding.code == "FileUnreadable" and "directory" in finding.message
    assert finding.hint == "give the blueprint file, not its directory"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_is_refused_before_anything_is_read():
    with pytest.raises(BlueprintInvalid) as caught:
        load_blueprint("/dev/zero")

    finding = _only(caught.value)
    assert finding.code == "FileUnreadable" and "device" in finding.message


# -- depth --------------------------------------------------------------------------------------


@pytest.mark.parametrize("levels", [70, 1000, 100_000])
def test_deep_flow_nesting_is_one_finding_at_its_line(yaml_path: str, levels: int):
    text = HEAD + "network:\n  subnets: " + "[" * levels + "]" * levels + "\n"

    finding = _refused(text)

    assert finding.code == "NestingTooDeep"
    assert finding.location is not None and finding.location.line == 5
    assert str(yaml_document.MAX_DEPTH) in finding.message


def test_deep_block_nesting_is_one_finding_at_the_line_where_it_passes_the_limit(
    yaml_path: str,
):
    lines = [f"{'  ' * i}k{i}:" for i in range(600)]
    text = HEAD + "network:\n" + "\n".join("  " + line for line in lines) + " x\n"

    finding = _refused(text)

    assert finding.code == "NestingTooDeep"
    # The root is level 1 and network's mapping (line 5) level 2: level MAX_DEPTH + 1 is the
    # mapping under k(MAX_DEPTH - 2), on line 5 + MAX_DEPTH - 1.
    assert finding.location.line == 5 + yaml_document.MAX_DEPTH - 1


def test_nesting_at_the_limit_is_read(yaml_path: str):
    inner = yaml_document.MAX_DEPTH - 1  # under the root mapping
    document = yaml_document.read_yaml("a: " + "[" * inner + "]" * inner + "\n", "f.yaml")

    assert document.findings == []


def test_sequences_written_on_one_line_count_as_levels(yaml_path: str):
    text = HEAD + "vms:\n" + "- " * 500 + "x\n"

    assert _refused(text).code == "NestingTooDeep"


# -- scalar length ------------------------------------------------------------------------------


def test_an_integer_of_5000_digits_is_one_finding_not_a_traceback(yaml_path: str):
    text = HEAD + "network:\n  address_space: 10.0.0.0/16\n  subnets: {a: " + "9" * 5000 + "}\n"

    finding = _refused(text)

    assert finding.code == "ValueTooLong"
    assert (finding.location.line, finding.location.column) == (6, 16)
    assert "5000" in finding.message and str(yaml_document.MAX_SCALAR) in finding.message


def test_a_long_key_is_refused_too(yaml_path: str):
    # An implicit key is at most 1,024 characters in YAML itself; an explicit one (?) is not.
    assert _refused(HEAD + "? " + "k" * 5000 + "\n: 1\n").code == "ValueTooLong"


def test_a_long_block_scalar_is_refused_at_its_line(yaml_path: str):
    text = HEAD + "description: |\n" + "  words words words\n" * 400

    finding = _refused(text)

    assert finding.code == "ValueTooLong" and finding.location.line == 4


def test_a_value_at_the_limit_is_read(yaml_path: str):
    value = "x" * yaml_document.MAX_SCALAR
    assert yaml_document.read_yaml(f"a: {value}\n", "f.yaml").data == {"a": value}


def test_a_number_python_refuses_to_convert_is_a_finding(
    yaml_path: str, monkeypatch: pytest.MonkeyPatch
):
    """PYTHONINTMAXSTRDIGITS can set the conversion limit below the scalar limit."""
    monkeypatch.setattr(yaml_document, "MAX_SCALAR", 10_000)
    before = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(640)
    try:
        finding = _refused(HEAD + "defaults: {ttl: " + "7" * 1000 + "}\n")
    finally:
        sys.set_int_max_str_digits(before)

    assert finding.code == "ValueTooLong" and finding.location.line == 4


# -- node count (item 8) ------------------------------------------------------------------------


def _laughs(levels: int, width: int = 10) -> str:
    lines = [HEAD.rstrip("\n"), "a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    lines.append(f"network: *a{levels - 1}")
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_stops_at_the_limit_with_one_finding_naming_the_aliases(
    yaml_path: str,
):
    finding = _refused(_laughs(9))

    assert finding.code == "TooManyNodes"
    assert f"more than {yaml_document.MAX_NODES} nodes" in finding.message
    assert "81 aliases" in finding.message
    assert finding.location.line == 8  # a4: the first entry whose expansion passes the limit


def test_a_large_document_without_aliases_stops_at_the_limit_and_does_not_blame_aliases(
    yaml_path: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(yaml_document, "MAX_NODES", 1000)
    text = HEAD + "vms:\n" + "".join(f"  - {i}\n" for i in range(2000))

    finding = _refused(text)

    assert finding.code == "TooManyNodes"
    assert "more than 1000 nodes" in finding.message
    assert "alias" not in finding.message


def test_expansion_through_aliases_alone_is_counted_once(
    yaml_path: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(yaml_document, "MAX_NODES", 1000)

    finding = _refused(_laughs(4))

    assert finding.code == "TooManyNodes"
    assert "expands to more than 1000 nodes through 31 aliases" in finding.message


def test_thousands_of_the_same_mistake_are_reported_as_the_first_hundred_and_a_count():
    network = "network: {address_space: 10.0.0.0/16, subnets: {a: 10.0.1.0/24}}\n"
    text = HEAD + network + "vms:\n" + "  v: {subnet: a}\n" * 5000  # 4,999 repeats from line 7

    with pytest.raises(BlueprintInvalid) as caught:
        parse_blueprint(text, "dups.yaml")

    findings = caught.value.findings
    assert len(findings) == loader.MAX_REPORTED + 1
    assert {f.code for f in findings[:-1]} == {"DuplicateKey"}
    last = findings[-1]
    assert last.code == "TooManyErrors"
    assert last.message.startswith(f"{4999 - loader.MAX_REPORTED} more errors")
    assert last.location.line == 7 + loader.MAX_REPORTED  # the first one not shown
