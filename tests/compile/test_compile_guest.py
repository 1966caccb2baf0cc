"""Guest requirements: every VM behind a Floating IP rule must hold each frontend it receives."""

from __future__ import annotations

from compile_helpers import SUBSCRIPTION, TWO_FRONTENDS, compile_text

from provisioner.compile.desired import FrontendRef, GuestListener

SHARED = """
blueprint: 1
name: shared
location: westeurope
network:
  address_space: 10.0.0.0/16
  subnets: {app: 10.0.2.0/24}
vms:
  app1: {subnet: app}
  app2: {subnet: app, os: windows}
  bystander: {subnet: app}
load_balancers:
  edge:
    type: public
    frontends: {web: {}, web6: {ip_version: ipv6}}
    pools: {web: [app1, app2, bystander], six: [app1]}
    rules:
      http: {frontend: web, port: 80, pool: web}
      v6: {frontend: web6, port: 443, backend_port: 8443, pool: six, floating_ip: true}
  inner:
    type: internal
    frontends: {api: {subnet: app, private_ip: 10.0.2.10}}
    pools: {api: [app1, app2], api-too: [app1]}
    rules:
      ha: {frontend: api, protocol: all, port: 0, pool: api, floating_ip: true}
      again: {frontend: api, protocol: all, port: 0, pool: api-too, floating_ip: true}
guest: {firewall: "off", persist: false}
"""


def test_two_floating_frontends_are_two_listeners_on_every_backend():
    state = compile_text(TWO_FRONTENDS)
    assert [(g.vm, g.vm_resource_key, g.os) for g in state.guest] == [
        ("vm1", "virtual_machine/vm-test-vm1", "linux"),
        ("vm2", "virtual_machine/vm-test-vm2", "linux"),
    ]
    assert state.guest[0].listeners == (
        GuestListener(
            frontend=FrontendRef("lb", "green", "public_ip/pip-test-lb-green"),
            ip_version="ipv4",
            protocol="tcp",
            port=80,
            rule="lb/green",
        ),
        GuestListener(
            frontend=FrontendRef("lb", "purple", "public_ip/pip-test-lb-purple"),
            ip_version="ipv4",
            protocol="tcp",
            port=80,
            rule="lb/purple",
        ),
    )
    assert state.guest[0].firewall == "auto" and state.guest[0].persist is True


def test_internal_frontends_are_read_from_the_load_balancer_and_ipv6_keeps_its_version():
    state = compile_text(SHARED)
    by_vm = {g.vm: g for g in state.guest}
    assert set(by_vm) == {"app1", "app2"}  # bystander only has a non-floating rule
    app1 = by_vm["app1"].listeners
    assert [
        (li.rule, li.frontend.resource_key, li.ip_version, li.protocol, li.port) for li in app1
    ] == [
        ("edge/v6", "public_ip/pip-test-edge-web6", "ipv6", "tcp", 8443),
        ("inner/ha", "load_balancer/lb-test-inner", "ipv4", "all", 0),
    ]
    assert by_vm["app2"].os == "windows"
    assert (by_vm["app2"].firewall, by_vm["app2"].persist) == ("off", False)


def test_no_guest_setup_when_the_blueprint_turns_it_off():
    assert compile_text(TWO_FRONTENDS + "guest: {configure: false}\n").guest == ()


def test_an_existing_vm_behind_floating_ip_is_set_up_but_not_owned():
    vm_id = (
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/legacy"
        "/providers/Microsoft.Compute/virtualMachines/old-app"
    )
    text = TWO_FRONTENDS.replace("vm2: {subnet: backend}", f"vm2: {{existing_id: {vm_id}}}")
    vm2 = compile_text(text).guest[1]
    assert (vm2.vm, vm2.vm_resource_key, vm2.owned_vm) == ("vm2", "virtual_machine/old-app", False)


APPLIANCES = """
blueprint: 1
name: nva
location: westeurope
network:
  address_space: 10.0.0.0/16
  subnets: {nva: 10.0.1.0/24}
vms:
  nva: {subnet: nva, count: 2, ip_forwarding: true}
  router: {subnet: nva, ip_forwarding: true}
  web: {subnet: nva}
load_balancers:
  ilb:
    type: internal
    frontends: {nva: {subnet: nva, private_ip: 10.0.1.10}}
    pools: {appliances: [nva], web: [web, nva-1]}
    probes: {ssh: {port: 22}, health: {protocol: http, port: 8080, path: /healthz}}
    rules:
      ha: {frontend: nva, protocol: all, port: 0, pool: appliances, probe: ssh, floating_ip: true}
      http: {frontend: nva, port: 80, pool: web, probe: health}
"""


def test_an_appliance_forwards_and_its_nic_says_so_while_other_nics_leave_it_out():
    state = compile_text(APPLIANCES)
    nic = state.resources["network_interface/nic-test-nva-1"].body
    assert nic.enable_ip_forwarding is True
    assert state.resources["network_interface/nic-test-web"].body.enable_ip_forwarding is None
    by_vm = {g.vm: g for g in state.guest}
    assert by_vm["nva-1"].forwarding and by_vm["nva-2"].forwarding
    assert by_vm["router"].forwarding and by_vm["router"].listeners == ()
    assert "web" not in by_vm, "a VM reached only without Floating IP needs nothing from its guest"


def test_every_probe_that_reaches_a_guest_vm_is_a_port_to_open_once():
    by_vm = {g.vm: g for g in compile_text(APPLIANCES).guest}
    assert [(p.ip_version, p.port, p.probe) for p in by_vm["nva-1"].probes] == [
        ("ipv4", 22, "ilb/ssh"),
        ("ipv4", 8080, "ilb/health"),  # a rule without Floating IP, on a VM the step looks after
    ]
    assert [p.port for p in by_vm["nva-2"].probes] == [22]
    assert by_vm["router"].probes == ()
