"""Paths from any stage (loader, rules, compiler) land on the text the user wrote."""

from __future__ import annotations

from provisioner.blueprint.loader import parse_blueprint
from provisioner.blueprint.source import attach_locations
from provisioner.errors import Finding


def located(text: str):
    return parse_blueprint(text, "bp.yaml").source


def where(source, path) -> tuple[int, int]:
    loc = source.locate(path)
    return loc.line, loc.column


def test_keys_and_sequence_items_have_their_own_positions(full_text):
    source = located(full_text)

    assert where(source, ("vms", "win")) == (20, 3)
    assert where(source, ("load_balancers", "lb", "rules", "purple", "backend_port")) == (40, 9)
    assert where(source, ("load_balancers", "lb", "pools", "app", 1)) == (30, 18)


def test_a_value_in_a_flow_mapping_is_located_at_its_own_column(full_text):
    source = located(full_text)

    loc = source.locate_value(("vms", "win", "private_ip"))

    assert (loc.line, loc.column) == (20, 48)


def test_a_missing_field_points_at_the_mapping_that_should_hold_it(full_text):
    source = located(full_text)

    assert where(source, ("load_balancers", "lb", "probes", "health", "path")) == (33, 7)


def test_short_form_paths_map_back_to_what_was_written(full_text):
    source = located(full_text)

    # The model sees pools.app.vms[0] and subnets.backend.prefix; the user wrote neither key.
    assert where(source, ("load_balancers", "lb", "pools", "app", "vms", 0)) == (30, 13)
    assert where(source, ("network", "subnets", "backend", "prefix")) == (10, 5)


def test_count_expanded_vm_names_point_at_their_blueprint_entry(full_text):
    source = located(full_text)

    assert where(source, ("vms", "web-2")) == (13, 3)
    assert where(source, ("vms", "api-1", "count")) == (18, 5)


def test_keys_merged_from_an_anchor_point_at_the_anchor(full_text):
    source = located(full_text)

    assert where(source, ("vms", "api", "subnet")) == (14, 5)  # written under `web: &linux`


def test_attach_locations_fills_location_and_see_also(full_text):
    source = located(full_text)
    finding = Finding(
        "RulesUseSameBackendPortProtocolAndPool",
        "two rules, one backend port",
        path=("load_balancers", "lb", "rules", "purple"),
        related=(("load_balancers", "lb", "rules", "green"),),
    )

    (out,) = attach_locations([finding], source)

    assert (out.location.file, out.location.line) == ("bp.yaml", 37)
    assert [loc.line for loc in out.related_locations] == [36]
