"""The pytest plugin (provisioner/testing/pytest_plugin.py), driven through ``pytester``: a
test suite of someone else's, with its own test files, run by pytest with the plugin loaded as
the ``pytest11`` entry point loads it."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

pytest_plugins = ("pytester",)

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = "provisioner.testing.pytest_plugin"
BLUEPRINT = ROOT / "blueprints" / "rule-type-2-floating-ip.yaml"


def _entry_point_installed() -> bool:
    return any(ep.value == PLUGIN for ep in metadata.entry_points(group="pytest11"))


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """Run pytest on the files ``pytester`` holds, with the plugin as an installed one is."""
    load = [] if _entry_point_installed() else ["-p", PLUGIN]
    return pytester.runpytest(*load, "-p", "no:cacheprovider", "-p", "no:xdist", "-rs", *args)


def test_azure_local_cloud_gives_real_sdk_clients_its_request_log_faults_and_time(pytester):
    pytester.makepyfile(
        """
        from azure.mgmt.network.models import VirtualNetwork

        def test_sdk_clients_work_and_are_logged(azure_local_cloud):
            cloud = azure_local_cloud
            assert cloud.time_scale == 0
            cloud.resources.resource_groups.create_or_update("rg", {"location": "westeurope"})
            vnet = cloud.network.virtual_networks.begin_create_or_update(
                "rg", "vnet",
                VirtualNetwork(location="westeurope",
                               address_space={"address_prefixes": ["10.0.0.0/16"]}),
            ).result()
            assert vnet.provisioning_state == "Succeeded"
            puts = [r.path for r in cloud.writes() if r.method == "PUT"]
            assert any(p.endswith("/virtualNetworks/vnet") for p in puts)
            assert list(cloud.compute.virtual_machines.list("rg")) == []

        def test_a_fault_is_retried_by_the_sdk_on_virtual_time(azure_local_cloud):
            cloud = azure_local_cloud
            cloud.add_fault("503", method="GET", max_count=1)
            assert list(cloud.resources.resource_groups.list()) == []
            (fault,) = cloud.faults
            assert fault["fired"] == 1
            assert [r.status for r in cloud.requests] == [503, 200]

        def test_each_test_gets_an_empty_cloud(azure_local_cloud):
            assert list(azure_local_cloud.resources.resource_groups.list()) == []
        """
    )
    result = run(pytester)
    result.assert_outcomes(passed=3)


def test_one_local_cloud_for_the_session_when_asked(pytester):
    pytester.makepyfile(
        """
        def test_first(azure_local_cloud):
            azure_local_cloud.resources.resource_groups.create_or_update(
                "kept", {"location": "westeurope"})

        def test_second_sees_it(azure_local_cloud):
            names = [g.name for g in azure_local_cloud.resources.resource_groups.list()]
            assert names == ["kept"]
        """
    )
    run(pytester, "--local-cloud-scope", "session").assert_outcomes(passed=2)
    pytester.makeini("[pytest]\nlocal_cloud_scope = session\n")
    run(pytester).assert_outcomes(passed=2)
    run(pytester, "--local-cloud-scope", "function").assert_outcomes(passed=1, failed=1)


def test_provisioned_brings_a_blueprint_up_and_tears_it_down_after_a_failing_test(pytester):
    record = pytester.path / "record.json"
    pytester.makepyfile(
        f"""
        import json

        def test_fails_with_the_environment_up(provisioned, azure_local_cloud):
            env = provisioned({str(BLUEPRINT)!r})
            json.dump(
                {{"env": env.env, "state": azure_local_cloud.state_path,
                  "addresses": env.addresses, "backends": env.backend_ips,
                  "rules": [row.rule for row in env.mapping], "target": env.target}},
                open({str(record)!r}, "w"),
            )
            assert False, "the test fails; the teardown must still happen"
        """
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    seen = json.loads(record.read_text())
    assert seen["env"].startswith("pt-")
    assert seen["rules"] == ["green", "purple"]
    assert seen["addresses"]["lb/green"] == seen["addresses"]["green"]
    assert set(seen["backends"]) == {"vm1", "vm2"}
    assert seen["target"].startswith("local cloud")

    from provisioner.localcloud import LocalCloud

    cloud = LocalCloud(state_path=seen["state"])
    assert cloud.resources() == [], "down ran after the failed test"
    deletes = [r for r in cloud.request_log() if r.method == "DELETE"]
    assert deletes
    cloud.close()


def test_an_up_that_fails_is_an_error_and_is_torn_down_too(pytester):
    pytester.makepyfile(
        f"""
        import pytest
        from provisioner.testing.environments import UpFailed

        def test_up_refused(provisioned, azure_local_cloud):
            azure_local_cloud.add_fault(
                "failed", resource_type="Microsoft.Compute/virtualMachines", method="PUT")
            with pytest.raises(UpFailed, match="provision up of environment"):
                provisioned({str(BLUEPRINT)!r}, env="refused")
            azure_local_cloud.clear_faults()
            assert [r["name"] for r in azure_local_cloud.cloud.resources()] == []
        """
    )
    run(pytester).assert_outcomes(passed=1)


def test_both_targets_runs_on_the_local_cloud_and_skips_azure_without_a_subscription(
    pytester, monkeypatch
):
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID", raising=False)
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.both_targets
        def test_everywhere(provisioned, provision_target):
            env = provisioned({str(BLUEPRINT)!r})
            assert provision_target == "local" and env.addresses["purple"]

        def test_local_by_default(provision_target):
            assert provision_target == "local"
        """
    )
    result = run(pytester, "-v")
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(
        ["*::test_everywhere?local? PASSED*", "*::test_everywhere?azure? SKIPPED*"]
    )
    result.stdout.fnmatch_lines(["SKIPPED *no Azure subscription: pass --provision-subscription*"])

    azure = run(pytester, "--provision-target", "azure", "-k", "by_default")
    azure.assert_outcomes(skipped=1)


def test_a_bad_ini_value_is_a_usage_error(pytester):
    pytester.makeini("[pytest]\nlocal_cloud_scope = module\n")
    pytester.makepyfile("def test_x(azure_local_cloud):\n    pass\n")
    result = run(pytester)
    assert result.ret != 0
    result.stdout.fnmatch_lines(
        ["*local_cloud_scope = 'module': must be one of function, session*"]
    )


def test_loading_the_plugin_imports_neither_the_sdk_nor_the_local_cloud():
    """pytest loads the plugin in every run where provisioner is installed, this project's own
    suite included: loading it must cost nothing but itself."""
    probe = (
        f"import sys; import {PLUGIN}; "
        "print(sorted(m for m in sys.modules if m.startswith(('azure', 'provisioner.', "
        "'pydantic', 'rich', 'typer'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "['provisioner.testing', 'provisioner.testing.pytest_plugin']"


def test_the_plugin_renders_nothing():
    """Like the core packages, it returns data and never imports rich or typer (nor the cli)."""
    for path in (ROOT / "provisioner" / "testing").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(("rich", "typer", "provisioner.cli")), (path, name)


def test_the_entry_point_is_declared():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'[project.entry-points.pytest11]\nprovisioner = "{PLUGIN}"' in pyproject
