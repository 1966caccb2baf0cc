"""VM settings Azure refuses or runs badly (issue 10, item 6): the admin user names it reserves,
Windows admin names over 20 characters (both ``InvalidParameter``, target ``adminUsername``),
and Windows on less than 2 GiB of memory (azure-traffic.md §6)."""

import pytest
from rules_helpers import check, only, rule_type_1

from provisioner.blueprint.model import LINUX_SIZE, WINDOWS_SIZE, Blueprint
from provisioner.rules import codes


def windows(doc, vm="vm2", **fields):
    doc["vms"][vm] = {"subnet": "backend", "os": "windows", **fields}
    return doc


@pytest.mark.parametrize("name", ["admin", "administrator", "root", "test", "user", "guest"])
def test_an_admin_name_azure_reserves_is_refused_with_its_code(name):
    doc = rule_type_1()
    doc["vms"]["vm1"]["admin_username"] = name
    f = only(doc, codes.INVALID_PARAMETER)
    assert f.path == ("vms", "vm1", "admin_username") and "reserves" in f.message


def test_a_windows_admin_name_may_have_20_characters_not_21():
    assert codes.INVALID_PARAMETER not in [
        f.code for f in check(windows(rule_type_1(), admin_username="a" * 20))
    ]
    f = only(windows(rule_type_1(), admin_username="a" * 21), codes.INVALID_PARAMETER)
    assert f.path == ("vms", "vm2", "admin_username") and "at most 20" in f.message


def test_a_long_admin_name_is_fine_on_linux():
    doc = rule_type_1()
    doc["vms"]["vm1"]["admin_username"] = "a" * 30
    assert codes.INVALID_PARAMETER not in [f.code for f in check(doc)]


def test_windows_defaults_to_a_size_with_2_gib_and_linux_stays_small():
    bp = Blueprint.model_validate(windows(rule_type_1()))
    assert bp.vms["vm2"].size == WINDOWS_SIZE == "Standard_B2s"
    assert bp.vms["vm1"].size == LINUX_SIZE
    assert codes.WINDOWS_SIZE not in [f.code for f in check(windows(rule_type_1()))]


def test_windows_on_a_1_gib_size_is_warned_about():
    f = only(windows(rule_type_1(), size="Standard_B1s"), codes.WINDOWS_SIZE)
    assert f.severity == "warning" and f.path == ("vms", "vm2", "size")
