"""Loading: what a user writes is what the model holds, and every mistake is reported at once."""

from __future__ import annotations

import pytest

from provisioner.blueprint.loader import load_blueprint, parse_blueprint
from provisioner.errors import BlueprintInvalid, UserInputError


def codes_and_lines(exc: BlueprintInvalid) -> list[tuple[str, int | None]]:
    return [(f.code, f.location.line if f.location else None) for f in exc.findings]


def test_short_forms_anchors_and_merge_keys_load_as_the_long_forms(full_text, write):
    loaded = load_blueprint(write(full_text))
    bp = loaded.blueprint

    assert bp.network.address_space == ["10.0.0.0/16"]
    assert bp.network.subnets["backend"].prefix == "10.0.1.0/24"
    assert bp.network.subnets["dual"].ipv6_prefix == "fd00:db8:0:2::/64"
    assert bp.vms["api"].subnet == "backend"  # merged from the &linux anchor
    assert bp.vms["api"].count == 2 and bp.vms["api"].size == "Standard_B2s"  # explicit wins
    assert bp.vms["web"].count == 3 and bp.vms["web"].size == "Standard_B1s"  # anchor unchanged
    lb = bp.load_balancers["lb"]
    assert lb.frontends["purple"].ip_version == "ipv4"  # `purple:` (null) means all defaults
    assert lb.pools["app"].vms == ["web", "api-1"]
    assert lb.pools["long"].vms == ["win"]
    assert lb.rules["purple"].effective_backend_port == 81
    assert bp.defaults.ttl == "4h"
    assert list(bp.expanded_vms())[:3] == ["web-1", "web-2", "web-3"]


def test_loaded_blueprint_knows_its_file_and_digest(full_text, write):
    path = write(full_text)

    loaded = load_blueprint(path)

    assert loaded.path == str(path)
    assert len(loaded.digest) == 16 and int(loaded.digest, 16) >= 0


def test_a_byte_order_mark_is_accepted(full_text, write):
    path = write(full_text)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())

    assert load_blueprint(path).blueprint.name == "fip-demo"


def test_every_mistake_is_reported_in_one_run():
    text = (
        "blueprint: 1\n"
        "name: demo\n"
        "location: westeurope\n"
        "network:\n"
        "  address_space: 10.0.0.0/16\n"
        "  subnets: {backend: 10.0.1.0/24}\n"
        "vms:\n"
        "  a: {subnet: backend, sise: big}\n"
        "  b: {subnet: backend, os: beos}\n"
        "  c: {subnet: backend, private_ip: 10.0.1.256}\n"
    )
    with pytest.raises(BlueprintInvalid) as caught:
        parse_blueprint(text, "demo.yaml")

    assert codes_and_lines(caught.value) == [
        ("UnknownField", 8),
        ("InvalidValue", 9),
        ("InvalidValue", 10),
    ]


def test_duplicate_keys_are_all_reported_with_both_lines():
    text = "blueprint: 1\nname: a\nname: b\nlocation: x\nlocation: y\n"

    with pytest.raises(BlueprintInvalid) as caught:
        parse_blueprint(text, "dup.yaml")

    duplicates = [f for f in caught.value.findings if f.code == "DuplicateKey"]
    assert [(f.location.line, f.related_locations[0].line) for f in duplicates] == [(3, 2), (5, 4)]


def test_a_missing_file_is_a_user_error_not_a_traceback(tmp_path):
    missing = tmp_path / "nope.yaml"

    with pytest.raises(UserInputError) as caught:
        load_blueprint(missing)

    (finding,) = caught.value.findings
    assert finding.code == "FileUnreadable"
    assert str(missing) in finding.message
    assert caught.value.exit_code == 2


def test_a_file_that_is_not_utf8_names_the_line(write):
    path = write("")
    path.write_bytes(b"blueprint: 1\nname: caf\xe9\n")

    with pytest.raises(BlueprintInvalid) as caught:
        load_blueprint(path)

    assert codes_and_lines(caught.value) == [("FileUnreadable", 2)]


def test_recursive_aliases_are_rejected_not_looped_on():
    text = "blueprint: 1\nname: x\nlocation: y\nnetwork: &n\n  address_space: *n\n"

    with pytest.raises(BlueprintInvalid) as caught:
        parse_blueprint(text)

    assert [f.code for f in caught.value.findings] == ["YamlSyntax"]


def test_alias_expansion_bombs_stop_at_a_limit(monkeypatch):
    import provisioner.blueprint.yaml_document as yaml_document

    monkeypatch.setattr(yaml_document, "MAX_NODES", 1000)
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 6):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    with pytest.raises(BlueprintInvalid) as caught:
        parse_blueprint("\n".join(lines) + "\n")

    assert "expands to more than 1000 nodes" in caught.value.findings[0].message


def test_unknown_fields_suggest_the_closest_field_at_that_depth():
    text = "blueprint: 1\nname: x\nlocation: y\nnetwork:\n  adress_space: 10.0.0.0/16\n"

    with pytest.raises(BlueprintInvalid) as caught:
        parse_blueprint(text)

    unknown = next(f for f in caught.value.findings if f.code == "UnknownField")
    assert unknown.hint == "did you mean 'address_space'?"
    assert unknown.path == ("network", "adress_space")


def test_bad_enum_values_list_the_allowed_ones():
    text = (
        "blueprint: 1\nname: x\nlocation: y\n"
        "network: {address_space: 10.0.0.0/16, subnets: {s: 10.0.0.0/24}}\n"
        "guest: {firewall: on}\n"
    )
    with pytest.raises(BlueprintInvalid) as caught:
        parse_blueprint(text)

    (finding,) = caught.value.findings
    assert finding.code == "InvalidValue"
    assert "allowed: auto, off" in finding.message


def test_name_rule_is_explained_in_plain_words():
    text = (
        "blueprint: 1\nname: x\nlocation: y\n"
        "network: {address_space: 10.0.0.0/16, subnets: {my_subnet: 10.0.0.0/24}}\n"
    )
    with pytest.raises(BlueprintInvalid) as caught:
        parse_blueprint(text)

    (finding,) = caught.value.findings
    assert finding.location.line == 4
    assert "start with a letter" in finding.hint and "hyphens" in finding.hint
    assert "^[" not in finding.hint
