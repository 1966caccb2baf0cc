"""Blueprint texts shared by the loader tests."""

from __future__ import annotations

import textwrap

import pytest

#: Every short form and most fields, the way a user writes them.
FULL = textwrap.dedent(
    """\
    # The seeds' two-frontend Floating IP example, plus the rest of format 1.
    blueprint: 1
    name: fip-demo
    location: westeurope
    description: two frontends, one backend port, Floating IP
    defaults: {ttl: 4h}
    network:
      address_space: 10.0.0.0/16
      subnets:
        backend: 10.0.1.0/24
        dual: {prefix: 10.0.2.0/24, ipv6_prefix: "fd00:db8:0:2::/64"}
    vms:
      web: &linux
        subnet: backend
        count: 3
      api:
        <<: *linux
        count: 2
        size: Standard_B2s
      win: {subnet: dual, os: windows, private_ip: 10.0.2.10, ipv6: true}
      old:
        existing_id: /subscriptions/0/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/o
    load_balancers:
      lb:
        type: public
        frontends:
          green: {}
          purple:
        pools:
          app: [web, api-1]
          long: {vms: [win]}
        probes:
          health: {protocol: tcp, port: 8080}
          page: {protocol: http, port: 80, path: /healthz}
        rules:
          green: {frontend: green, port: 80, pool: app, probe: health, floating_ip: true}
          purple:
            frontend: purple
            port: 80
            backend_port: 81
            pool: app
            probe: health
    guest: {firewall: auto, persist: true}
    """
)


@pytest.fixture
def full_text() -> str:
    return FULL


@pytest.fixture
def write(tmp_path):
    """Write a blueprint into a temporary file and return its path."""

    def _write(text: str, name: str = "blueprint.yaml"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write
