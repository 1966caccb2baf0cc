"""The content digest (tag provisioner-blueprint) follows meaning, not formatting."""

from __future__ import annotations

from provisioner.blueprint.loader import parse_blueprint

BASE = """\
blueprint: 1
name: demo
location: westeurope
network:
  address_space: 10.0.0.0/16
  subnets: {backend: 10.0.1.0/24}
vms:
  vm1: {subnet: backend}
load_balancers:
  lb:
    type: public
    frontends: {green: {}}
    pools: {app: [vm1]}
    rules: {web: {frontend: green, port: 80, pool: app}}
"""

REFORMATTED = """\
# Same scenario: comments, block style, other key order, long forms, defaults written out.
name: demo          # the environment name
blueprint: 1
location: westeurope

load_balancers:
  lb:
    frontends:
      green:
    type: public
    rules:
      web:
        pool: app
        port: 80
        frontend: green
        protocol: tcp
    pools:
      app:
        vms:
          - vm1
vms:
  vm1:
    os: linux
    subnet: backend
network:
  subnets:
    backend:
      prefix: 10.0.1.0/24
  address_space: [10.0.0.0/16]
"""


def digest(text: str) -> str:
    return parse_blueprint(text).digest


def test_formatting_comments_order_and_short_forms_keep_the_digest():
    assert digest(REFORMATTED) == digest(BASE)


def test_the_digest_is_the_same_on_every_run():
    assert digest(BASE) == digest(BASE) and len(digest(BASE)) == 16


def test_a_change_in_meaning_changes_the_digest():
    assert digest(BASE.replace("port: 80", "port: 8080")) != digest(BASE)
    assert digest(BASE.replace("{subnet: backend}", "{subnet: backend, count: 2}")) != digest(BASE)
