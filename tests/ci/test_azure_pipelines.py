"""The Azure Pipelines template (ci/azure-pipelines/provision.yml): expanded for each kind of
use, it is a pipeline the published schema accepts (Microsoft's azure-pipelines-vscode schema,
which knows no template expressions, so the template is expanded first, as the service does);
its teardown runs when the up job failed or the run was cancelled; it takes the action's
inputs; and its steps (provision.sh) bring an environment up and down on the local cloud, as an
agent runs them: inputs in the environment, outputs as ``##vso[…]`` logging commands."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ci_helpers import ROOT, expand_template, load_yaml, schema_errors

from provisioner.compile.tags import ENV_NAME

TEMPLATE = ROOT / "ci" / "azure-pipelines" / "provision.yml"
EXAMPLE = ROOT / "ci" / "azure-pipelines" / "local-cloud.yml"
SCRIPT = ROOT / "ci" / "azure-pipelines" / "provision.sh"
BLUEPRINT = ROOT / "blueprints" / "rule-type-2-floating-ip.yaml"

USES = {
    "local cloud, in provisioner's own repository": {
        "blueprint": "b.yaml",
        "armEndpoint": "local",
        "repository": "self",
    },
    "Azure through a service connection": {"blueprint": "b.yaml", "serviceConnection": "wif"},
    "Azure, kept on failure, the agent's python": {
        "blueprint": "b.yaml",
        "serviceConnection": "wif",
        "teardown": "on-success",
        "python": "",
    },
    "an ARM endpoint, never torn down": {
        "blueprint": "b.yaml",
        "armEndpoint": "https://arm.example.test",
        "teardown": "never",
        "steps": [{"script": "echo tests"}],
    },
}


def steps_of(job: dict) -> list[dict]:
    return job["steps"]


@pytest.mark.parametrize("params", USES.values(), ids=USES.keys())
def test_the_template_expanded_is_a_pipeline_the_schema_accepts(params):
    pipeline = expand_template(TEMPLATE, params)
    assert schema_errors(pipeline, "azure-pipelines") == []


def test_the_example_pipeline_is_valid_and_passes_only_parameters_the_template_takes():
    example = load_yaml(EXAMPLE)
    assert schema_errors(example, "azure-pipelines") == []
    (use,) = example["jobs"]
    assert (EXAMPLE.parent / use["template"]).resolve() == TEMPLATE
    pipeline = expand_template(TEMPLATE, use["parameters"])  # raises on an unknown one
    assert schema_errors(pipeline, "azure-pipelines") == []


def test_the_schema_catches_a_broken_pipeline():
    pipeline = expand_template(TEMPLATE, USES["Azure through a service connection"])
    pipeline["jobs"][1]["steps"][0]["conditon"] = "always()"
    assert schema_errors(pipeline, "azure-pipelines")


def test_on_azure_the_teardown_is_a_job_of_its_own_that_runs_after_a_failure_or_a_cancel():
    up, down = expand_template(TEMPLATE, USES["Azure through a service connection"])["jobs"]
    assert down["dependsOn"] == up["job"]
    assert down["condition"].startswith("or(eq('always', 'always')")  # always(), in effect
    assert down["variables"]["ENV_NAME"] == "$[ dependencies.provision_up.outputs['up.env'] ]"
    (up_step,) = [s for s in steps_of(up) if s.get("name") == "up"]
    assert up_step["task"] == "AzureCLI@2" and up_step["inputs"]["arguments"] == "up"
    assert steps_of(down)[-1]["inputs"]["arguments"] == "down"
    assert steps_of(down)[-1]["env"]["PROVISION_ENV"] == "$(ENV_NAME)"

    _, kept = expand_template(TEMPLATE, USES["Azure, kept on failure, the agent's python"])["jobs"]
    assert "eq('on-success', 'on-success'), or(succeeded(), canceled())" in kept["condition"]


def test_on_the_local_cloud_the_teardown_is_the_up_jobs_last_step_after_the_users_steps():
    params = USES["local cloud, in provisioner's own repository"] | {
        "steps": [{"script": "echo tests"}]
    }
    (job,) = expand_template(TEMPLATE, params)["jobs"]
    names = [s.get("name") or s.get("script") or s.get("displayName") for s in steps_of(job)]
    assert names.index("up") < names.index("echo tests") < len(names) - 1
    down = steps_of(job)[-1]
    assert down["bash"].endswith('provision.sh" down')
    assert down["env"]["PROVISION_ENV"] == "$(up.env)"
    assert "or(eq('always', 'always')" in down["condition"]


def test_the_template_takes_the_actions_inputs():
    action = load_yaml(ROOT / "action.yml")["inputs"]
    params = {p["name"]: p for p in load_yaml(TEMPLATE)["parameters"]}
    for name in ("blueprint", "env", "ttl", "subscription", "arm-endpoint", "teardown"):
        camel = re.sub(r"-(\w)", lambda m: m.group(1).upper(), name)
        assert camel in params, name
        assert params[camel].get("default", None) == action[name].get("default", None), name
    assert params["teardown"]["values"] == ["always", "on-success", "never"]


# --- provision.sh, as the agent runs it --------------------------------------------------------


VSO = re.compile(r"^##vso\[([\w.]+)(?: ([^\]]*))?\](.*)$", re.M)


def vso_variables(output: str) -> dict[str, str]:
    """``task.setvariable`` commands: variable name → value (unescaped)."""
    out = {}
    for command, props, value in VSO.findall(output):
        if command == "task.setvariable":
            name = dict(p.split("=", 1) for p in props.split(";") if p)["variable"]
            out[name] = value.replace("%0A", "\n").replace("%0D", "\r").replace("%AZP25", "%")
    return out


def run_script(tmp_path: Path, step: str, **env: str) -> subprocess.CompletedProcess:
    shim = tmp_path / "bin" / "provision"
    if not shim.exists():
        shim.parent.mkdir()
        shim.write_text(f'#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} -m provisioner "$@"\n')
        shim.chmod(0o755)
    agent = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AZURE_", "PROVISION_", "BUILD_", "SYSTEM_"))
    }
    agent |= {
        "PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}",
        "AGENT_TEMPDIRECTORY": str(tmp_path),
        "BUILD_REPOSITORY_NAME": "Contoso/Edge.Gateway",
        "BUILD_BUILDID": "4711",
        "SYSTEM_JOBATTEMPT": "1",
        "SYSTEM_JOBID": "12f1170f-54f2-53f3-20dd-22fc7dff55f9",
        "PROVISION_PYTHON": sys.executable,
    }
    return subprocess.run(
        ["bash", str(SCRIPT), step],
        cwd=tmp_path,
        env=agent | env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_provision_sh_brings_the_environment_up_with_outputs_and_down(tmp_path):
    from provisioner.localcloud import LocalCloud

    up = run_script(
        tmp_path, "up", PROVISION_BLUEPRINT=str(BLUEPRINT), PROVISION_ARM_ENDPOINT="local",
        PROVISION_TTL="30m",
    )  # fmt: skip
    assert up.returncode == 0, up.stdout + up.stderr
    out = vso_variables(up.stdout)
    env = out["env"]
    assert ENV_NAME.fullmatch(env) and env.startswith("edge-gateway-4711-1-")
    assert out["ENV_NAME"] == env and out["upExit"] == "0"
    assert out["PROVISION_LOCAL_STATE"] == str(tmp_path / "provisioner-localcloud.sqlite")
    mapping = json.loads(out["mapping"])
    assert {row["frontend"]: row["frontend_ip"] for row in mapping} == {
        "green": out["ip_lb_green"],
        "purple": out["ip_lb_purple"],
    }

    cloud = LocalCloud(state_path=tmp_path / "provisioner-localcloud.sqlite")
    ours = [r for r in cloud.resources() if (r.get("tags") or {}).get("provisioner-env") == env]
    assert ours
    cloud.close()

    down = run_script(
        tmp_path, "down", PROVISION_ENV=env, PROVISION_UP_EXIT="0",
        PROVISION_ARM_ENDPOINT="local", PROVISION_BLUEPRINT=str(BLUEPRINT),
    )  # fmt: skip
    assert down.returncode == 0, down.stdout + down.stderr
    assert f"environment {env} torn down" in down.stdout
    cloud = LocalCloud(state_path=tmp_path / "provisioner-localcloud.sqlite")
    assert not [r for r in cloud.resources() if env in r["id"]]
    cloud.close()


def test_provision_sh_down_after_an_up_that_never_ran_or_refused_its_input(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("blueprint: 1\nname: bad\nlocation: westeurope\nvms: 3\n")
    up = run_script(
        tmp_path, "up", PROVISION_BLUEPRINT=str(bad), PROVISION_ARM_ENDPOINT="local",
        PROVISION_ENV="refused",
    )  # fmt: skip
    assert up.returncode == 2
    assert vso_variables(up.stdout)["upExit"] == "2"
    assert "##vso[task.logissue type=error]provision up failed (exit 2)" in up.stdout

    refused = run_script(
        tmp_path, "down", PROVISION_ENV="refused", PROVISION_UP_EXIT="2",
        PROVISION_ARM_ENDPOINT="local",
    )  # fmt: skip
    assert refused.returncode == 0 and "nothing was created" in refused.stdout

    never_ran = run_script(
        tmp_path, "down", PROVISION_ENV="$(up.env)", PROVISION_UP_EXIT="$(up.upExit)",
        PROVISION_ARM_ENDPOINT="local",
    )  # fmt: skip
    assert never_ran.returncode == 0 and "nothing to tear down" in never_ran.stdout


def test_provision_sh_refuses_a_bad_env_name_and_a_missing_subscription(tmp_path):
    bad_env = run_script(tmp_path, "up", PROVISION_ENV="PR_12", PROVISION_BLUEPRINT="b.yaml")
    assert bad_env.returncode == 2
    assert "env 'PR_12' is not a valid environment name" in bad_env.stdout
    no_sub = run_script(tmp_path, "up", PROVISION_ENV="pr-12", PROVISION_BLUEPRINT="b.yaml",
                        PATH=f"{tmp_path / 'bin'}:/usr/bin:/bin")  # fmt: skip
    assert no_sub.returncode == 1
    assert "no subscription: set the subscription parameter" in no_sub.stdout


def test_provision_sh_installs_the_templates_own_checkout_and_shows_only_provision(tmp_path):
    log = tmp_path / "python.log"
    fake = tmp_path / "python3"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import json, os, shutil, sys\n"
        f"open({str(log)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
        "if sys.argv[1:3] == ['-m', 'venv']:\n"
        "    os.makedirs(os.path.join(sys.argv[3], 'bin'))\n"
        "    shutil.copy(sys.argv[0], os.path.join(sys.argv[3], 'bin', 'python'))\n"
        "elif sys.argv[1:4] == ['-m', 'pip', 'install']:\n"
        "    b = os.path.dirname(os.path.abspath(sys.argv[0]))\n"
        "    open(os.path.join(b, 'provision'), 'w').close()\n"
        "    os.chmod(os.path.join(b, 'provision'), 0o755)\n"
    )
    fake.chmod(0o755)
    result = run_script(tmp_path, "install", PROVISION_SOURCE=str(ROOT), PROVISION_PYTHON=str(fake))
    assert result.returncode == 0, result.stdout + result.stderr
    venv, pip = (json.loads(line) for line in log.read_text().splitlines())
    assert venv == ["-m", "venv", str(tmp_path / "provisioner-venv")]
    assert pip[:3] == ["-m", "pip", "install"] and pip[-1] == str(ROOT)
    shown = tmp_path / "provisioner-bin"
    assert f"##vso[task.prependpath]{shown}" in result.stdout
    assert sorted(p.name for p in shown.iterdir()) == ["provision"]
