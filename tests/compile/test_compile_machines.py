"""VM bodies: image, disk, admin access, and no secret ever in a compiled body."""

from __future__ import annotations

import json

import pytest
from compile_helpers import BLUEPRINTS, TWO_FRONTENDS, compile_text, context, load

from provisioner.compile.compiler import compile_blueprint
from provisioner.compile.desired import Kind
from provisioner.compile.machines import InvalidImage, parse_image
from provisioner.compile.secrets import GENERATED_PASSWORD, GENERATED_SSH_KEY, PLACEHOLDERS

MIXED = TWO_FRONTENDS.replace(
    "vm2: {subnet: backend}", "vm2: {subnet: backend, os: windows, admin_username: ops}"
)


def vm(state, name):
    return state.resources[f"virtual_machine/vm-test-{name}"].body


def test_linux_defaults_to_ubuntu_2404_with_key_only_ssh():
    body = vm(compile_text(MIXED), "vm1")
    image = body.storage_profile.image_reference
    assert (image.publisher, image.offer, image.sku, image.version) == (
        "Canonical",
        "ubuntu-24_04-lts",
        "server",
        "latest",
    )
    linux = body.os_profile.linux_configuration
    assert linux.disable_password_authentication is True
    (key,) = linux.ssh.public_keys
    assert (key.path, key.key_data) == ("/home/azureuser/.ssh/authorized_keys", GENERATED_SSH_KEY)
    assert body.os_profile.admin_password is None
    assert body.os_profile.computer_name == "vm1"
    assert body.hardware_profile.vm_size == "Standard_B1s"


def test_windows_defaults_to_server_2022_with_a_generated_password():
    body = vm(compile_text(MIXED), "vm2")
    image = body.storage_profile.image_reference
    assert (image.publisher, image.offer, image.sku) == (
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2022-datacenter-azure-edition",
    )
    assert body.os_profile.admin_username == "ops"
    assert body.os_profile.admin_password == GENERATED_PASSWORD
    assert body.os_profile.linux_configuration is None
    assert body.os_profile.windows_configuration.provision_vm_agent is True


def test_a_given_ssh_key_and_image_are_used_as_is():
    text = TWO_FRONTENDS.replace(
        "vm1: {subnet: backend}",
        'vm1: {subnet: backend, ssh_public_key: "ssh-ed25519 AAAAC3Nza me@host",'
        ' image: "Debian:debian-12:12-gen2:0.20240701.1"}',
    )
    body = vm(compile_text(text), "vm1")
    assert body.os_profile.linux_configuration.ssh.public_keys[0].key_data == (
        "ssh-ed25519 AAAAC3Nza me@host"
    )
    assert body.storage_profile.image_reference.version == "0.20240701.1"


def test_the_os_disk_is_managed_and_goes_with_the_vm():
    disk = vm(compile_text(TWO_FRONTENDS), "vm1").storage_profile.os_disk
    assert (disk.name, disk.create_option, disk.delete_option) == (
        "osdisk-test-vm1",
        "FromImage",
        "Delete",
    )
    assert disk.managed_disk.storage_account_type == "StandardSSD_LRS"


def test_image_strings_parse_with_an_optional_version():
    assert parse_image("a:b:c").version == "latest"
    with pytest.raises(InvalidImage):
        parse_image("ubuntu")
    with pytest.raises(InvalidImage):
        parse_image("a::c:d")


def _strings(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k, v
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def test_no_compiled_body_holds_a_secret():
    for path in sorted(BLUEPRINTS.glob("*.yaml")):
        bp = load(path)
        for res in compile_blueprint(bp, context(env=bp.name)).order():
            if res.body is None or isinstance(res.body, list):
                continue
            wire = res.body.as_dict()
            for key, value in _strings(wire):
                if key in ("adminPassword", "keyData"):
                    assert value in PLACEHOLDERS, (res.key, key)
            text = json.dumps(wire).lower()
            assert "private key" not in text and "BEGIN" not in json.dumps(wire)


def test_every_vm_has_exactly_one_placeholder_credential():
    bp = load(BLUEPRINTS / "windows-backends.yaml")
    state = compile_blueprint(bp, context(env=bp.name))
    for res in state.order():
        if res.kind is Kind.VIRTUAL_MACHINE:
            text = json.dumps(res.body.as_dict())
            assert sum(text.count(p) for p in PLACEHOLDERS) == 1
