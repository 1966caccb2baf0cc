"""The GitHub Action's entry points, run by Node the way the runner runs them, against the local
cloud: inputs as ``INPUT_*`` variables, outputs, state, variables and PATH entries through the
files the runner names (``GITHUB_OUTPUT``, ``GITHUB_STATE``…), then the post step with the saved
state as ``STATE_*`` variables and the job's status as its ``job-status`` input (the runner
evaluates input defaults again for the post step: actions/runner ``ActionRunner.cs``, and
``action_yaml.json`` allows ``job`` in an input default). Each step gets a step summary file of
its own (``GITHUB_STEP_SUMMARY``), as on a runner.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from provisioner.compile.tags import ENV_NAME

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "ci" / "github-action"
BLUEPRINT = ROOT / "blueprints" / "rule-type-2-floating-ip.yaml"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(
    NODE is None, reason="node is not installed (.ci/run installs Debian's nodejs)"
)

FILE_COMMAND = re.compile(r"^([^\s<=]+)<<(\S+)\r?\n(.*?)\r?\n\2\r?$", re.S | re.M)


def read_file_commands(path: Path) -> dict[str, str]:
    """``name<<DELIM … DELIM`` blocks as the runner reads them; the last value of a name wins."""
    return {m.group(1): m.group(3) for m in FILE_COMMAND.finditer(path.read_text())}


@dataclass
class Step:
    code: int
    stdout: str
    outputs: dict[str, str]
    state: dict[str, str]
    env: dict[str, str]
    paths: list[str]
    summary: str

    def annotations(self, kind: str) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith(f"::{kind}")]


def _script(path: Path, body: str) -> Path:
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(0o755)
    return path


#: ``provision`` as installed: the worktree's package under the test's own Python.
PROVISION_SHIM = f"""
import os, sys
os.environ["PYTHONPATH"] = {str(ROOT)!r} + os.pathsep + os.environ.get("PYTHONPATH", "")
os.execv({sys.executable!r}, [{sys.executable!r}, "-m", "provisioner", *sys.argv[1:]])
"""

#: A Python that records what it is asked to do: ``-m venv DIR`` makes DIR/bin/python (itself),
#: ``-m pip install SRC`` puts the provision shim into the venv, as installing the package would.
FAKE_PYTHON = """
import json, os, shutil, sys
log = os.environ["FAKE_PYTHON_LOG"]
with open(log, "a") as f:
    f.write(json.dumps([sys.argv[0], *sys.argv[1:]]) + "\\n")
args = sys.argv[1:]
if args[:2] == ["-m", "venv"]:
    os.makedirs(os.path.join(args[2], "bin"))
    shutil.copy(sys.argv[0], os.path.join(args[2], "bin", "python"))
elif args[:3] == ["-m", "pip", "install"]:
    venv_bin = os.path.dirname(os.path.abspath(sys.argv[0]))
    shutil.copy(os.environ["FAKE_PROVISION"], os.path.join(venv_bin, "provision"))
"""


class FakeRunner:
    """One job's runner: its workspace, temporary directory and file-command files."""

    def __init__(self, tmp_path: Path) -> None:
        self.root = tmp_path
        self.workspace = tmp_path / "workspace"
        self.temp = tmp_path / "runner-temp"
        self.bin = tmp_path / "bin"
        for d in (self.workspace, self.temp, self.bin):
            d.mkdir()
        self.provision = _script(self.bin / "provision", PROVISION_SHIM)
        self.real_provision = _script(tmp_path / "provision-real", PROVISION_SHIM)
        shutil.copy(BLUEPRINT, self.workspace / "blueprint.yaml")
        self.state_file = self.temp / "provisioner-localcloud.sqlite"
        self._n = 0

    def cloud(self):
        from provisioner.localcloud import LocalCloud

        return LocalCloud(state_path=self.state_file)

    def base_env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("INPUT_", "STATE_", "GITHUB_", "AZURE_", "PROVISION_"))
        }
        env.update(
            PATH=f"{self.bin}{os.pathsep}{env.get('PATH', '')}",
            RUNNER_TEMP=str(self.temp),
            GITHUB_REPOSITORY="Contoso/Edge.Gateway",
            GITHUB_RUN_ID="9876543210",
            GITHUB_RUN_ATTEMPT="1",
            GITHUB_JOB="scenario",
            GITHUB_ACTION="__contoso_provisioner",
        )
        return env

    def _files(self) -> dict[str, Path]:
        self._n += 1
        files = {}
        for name in (
            "GITHUB_OUTPUT", "GITHUB_STATE", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY"
        ):  # fmt: skip
            files[name] = self.root / f"{name.lower()}-{self._n}"
            files[name].write_text("")
        return files

    def _env(self, inputs: dict[str, str], extra: dict[str, str], files: dict[str, Path]):
        env = self.base_env() | {k: str(v) for k, v in files.items()} | extra
        env.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
        return env

    def _step(self, proc_code: int, stdout: str, files: dict[str, Path]) -> Step:
        return Step(
            proc_code,
            stdout,
            read_file_commands(files["GITHUB_OUTPUT"]),
            read_file_commands(files["GITHUB_STATE"]),
            read_file_commands(files["GITHUB_ENV"]),
            files["GITHUB_PATH"].read_text().split(),
            files["GITHUB_STEP_SUMMARY"].read_text(),
        )

    def run(self, script: str, inputs: dict[str, str], extra: dict[str, str] | None = None):
        files = self._files()
        proc = subprocess.run(
            [NODE, str(ACTION / script)],
            cwd=self.workspace,
            env=self._env(inputs, extra or {}, files),
            capture_output=True,
            text=True,
            timeout=300,
        )
        return self._step(proc.returncode, proc.stdout + proc.stderr, files)

    def main(self, **inputs: str) -> Step:
        defaults = {"blueprint": "blueprint.yaml", "install": "false"}
        return self.run("main.js", defaults | inputs)

    def post(self, main: Step, job_status: str = "success", extra: dict | None = None) -> Step:
        """The post step of ``main``: its saved state, and ``job.status`` as the runner has it."""
        state = {f"STATE_{k}": v for k, v in main.state.items()}
        return self.run("post.js", {"job-status": job_status}, state | (extra or {}))


def env_resources(cloud, env: str) -> list[dict[str, Any]]:
    return [
        r
        for r in cloud.resources()
        if (r.get("tags") or {}).get("provisioner-env") == env
        or r["id"].lower().endswith(f"/resourcegroups/rg-{env}")
    ]


@pytest.fixture
def runner(tmp_path: Path) -> FakeRunner:
    r = FakeRunner(tmp_path)
    cloud = r.cloud()
    cloud.set_time_scale(0)  # long-running operations finish at once
    cloud.close()
    return r


def test_up_installs_the_actions_own_version_sets_outputs_and_the_post_step_tears_down(runner):
    """The whole path with `teardown: on-success`: a failed job keeps the environment (for
    debugging, until its TTL), a green one tears it down."""
    log = runner.root / "python.log"
    fake_python = _script(runner.root / "python3", FAKE_PYTHON)
    main = runner.run(
        "main.js",
        {
            "blueprint": "blueprint.yaml",
            "arm-endpoint": "local",
            "ttl": "30m",
            "install": "true",
            "python": str(fake_python),
            "teardown": "on-success",
        },
        {"FAKE_PYTHON_LOG": str(log), "FAKE_PROVISION": str(runner.provision)},
    )
    assert main.code == 0, main.stdout
    assert not main.annotations("error")

    # Installed from the action's own checkout (the repository root), into its own venv.
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    venv = Path(calls[0][3])
    assert calls[0][1:3] == ["-m", "venv"] and venv.parent == runner.temp
    assert calls[1][0] == str(venv / "bin" / "python")
    assert calls[1][1:4] == ["-m", "pip", "install"] and calls[1][-1] == str(ROOT)
    # Only `provision` goes on PATH for later steps, not the venv's python and pip.
    (shown,) = main.paths
    assert sorted(p.name for p in Path(shown).iterdir()) == ["provision"]
    assert Path(shown, "provision").resolve() == (venv / "bin" / "provision").resolve()

    env = main.outputs["env"]
    assert ENV_NAME.fullmatch(env) and env.startswith("edge-gateway-9876543210-1-")
    mapping = json.loads(main.outputs["mapping"])
    assert {row["rule"] for row in mapping} == {"green", "purple"}
    frontends = json.loads(main.outputs["frontends"])
    assert set(frontends) == {"lb/green", "lb/purple"}
    assert main.outputs["ip-lb-green"] == main.outputs["ip-green"] == frontends["lb/green"]
    assert main.outputs["ip-purple"] == frontends["lb/purple"]
    assert main.outputs["target"].startswith("local cloud")
    # Later steps reach the same local cloud.
    assert main.env["PROVISION_LOCAL_STATE"] == str(runner.state_file)
    # The step summary: up's own section (the picture, the mapping), then when it goes.
    assert f"provision up · {env}" in main.summary and "```mermaid" in main.summary
    assert frontends["lb/green"] in main.summary and frontends["lb/purple"] in main.summary
    assert main.summary.endswith(
        f"Environment `{env}`: torn down when the job ends, unless it failed.\n"
    )
    assert "### provisioner: environment" not in main.summary  # one summary, not two

    cloud = runner.cloud()
    live = env_resources(cloud, env)
    public_ips = {
        r["properties"]["ipAddress"]
        for r in live
        if r["type"] == "Microsoft.Network/publicIPAddresses"
        and not r["name"].endswith("-natgw")  # the NAT gateway's own (outbound: nat_gateway)
    }
    assert set(frontends.values()) == public_ips
    group = next(r for r in live if r["type"] == "Microsoft.Resources/resourceGroups")
    assert group["tags"]["provisioner-expires"].endswith("Z")  # the ttl was passed
    cloud.close()

    kept = runner.post(main, job_status="failure")  # a later step of the job failed
    assert kept.code == 0
    (notice,) = kept.annotations("notice")
    assert f"{env} kept" in notice and "on-success" in notice
    assert kept.summary.startswith(f"Environment `{env}` kept: the job failed")
    cloud = runner.cloud()
    assert env_resources(cloud, env)
    cloud.close()

    post = runner.post(main, job_status="success")
    assert post.code == 0, post.stdout
    (deleted,) = re.findall(rf"environment {env} torn down \((\d+) deletion", post.stdout)
    assert int(deleted) > 0
    assert f"provision down · {env}" in post.summary  # down's own section
    assert post.summary.endswith(f"Environment `{env}` torn down ({deleted} deletion(s)).\n")
    cloud = runner.cloud()
    assert env_resources(cloud, env) == []
    cloud.close()


def test_a_main_step_that_failed_half_way_is_torn_down_by_the_post_step(runner):
    from provisioner.localcloud import FaultRule

    cloud = runner.cloud()
    cloud.add_fault(
        FaultRule(kind="failed", resource_type="Microsoft.Compute/virtualMachines", method="PUT")
    )
    cloud.close()
    main = runner.main(**{"arm-endpoint": "local", "env": "half-way"})
    assert main.code == 1
    (error,) = main.annotations("error")
    assert "provision up failed (exit 1)" in error
    assert main.outputs["env"] == "half-way"  # set even so, for later `if: always()` steps
    assert main.state["up_exit"] == "1"
    assert "provision up · half-way" in main.summary and "apply failed" in main.summary
    cloud = runner.cloud()
    assert env_resources(cloud, "half-way"), "up created part of the environment"
    cloud.clear_faults()
    cloud.close()

    post = runner.post(main, job_status="failure")  # teardown: always (the default)
    assert post.code == 0, post.stdout
    cloud = runner.cloud()
    assert env_resources(cloud, "half-way") == []
    cloud.close()


#: A ``provision`` that records its arguments: ``up --help`` (with ``--arm-endpoint`` when
#: FAKE_HAS_ARM_ENDPOINT is set), ``up`` (waits for SIGINT when FAKE_UP_WAITS is set, as a long
#: ``up`` would, and exits 130 as Ctrl-C makes it) and ``down`` (one JSON document, all deleted).
FAKE_PROVISION = """
import json, os, signal, sys
with open(os.environ["FAKE_PROVISION_LOG"], "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\\n")
args = sys.argv[1:]
env = args[args.index("--env") + 1] if "--env" in args else None
if args[:2] == ["up", "--help"]:
    extra = " --arm-endpoint" if os.environ.get("FAKE_HAS_ARM_ENDPOINT") else ""
    print("--env --ttl --cloud --state" + extra)
elif args[0] == "up" and os.environ.get("FAKE_UP_WAITS"):
    def stop(*_):
        with open(os.environ["FAKE_PROVISION_LOG"], "a") as f:
            f.write(json.dumps("SIGINT") + "\\n")
        sys.exit(130)
    signal.signal(signal.SIGINT, stop)
    print("up is running", file=sys.stderr, flush=True)
    signal.pause()
elif args[0] == "up":
    if os.environ.get("FAKE_UP_SUMMARY"):  # a provisioner that writes its own summary
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a") as f:
            f.write("summary of up\\n")
    print(json.dumps({"ok": True, "target": "fake", "env": env, "mapping": []}))
elif args[0] == "down":
    print(json.dumps({"ok": True, "env": env, "deleted": ["x"], "left": []}))
"""


@pytest.fixture
def fake_provision(runner: FakeRunner) -> Path:
    """Replace ``provision`` on the runner's PATH; returns the log of its calls."""
    _script(runner.bin / "provision", FAKE_PROVISION)
    return runner.root / "provision.log"


def calls(log: Path) -> list[Any]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_a_cancelled_main_step_passes_the_signal_on_and_its_post_step_still_runs_down(
    runner, fake_provision
):
    """The runner cancels a step with SIGINT; `provision up` must get it (it stops as on Ctrl-C,
    exit 130), and the state saved before `up` started lets the post step tear down."""
    files = runner._files()
    inputs = {"blueprint": "blueprint.yaml", "install": "false", "arm-endpoint": "local",
              "env": "cancelled", "teardown": "on-success"}  # fmt: skip
    extra = {"FAKE_PROVISION_LOG": str(fake_provision), "FAKE_UP_WAITS": "1"}
    proc = subprocess.Popen(
        [NODE, str(ACTION / "main.js")],
        cwd=runner.workspace,
        env=runner._env(inputs, extra, files),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr.readline().strip() == "up is running"  # waits for the child, no sleep
    proc.send_signal(signal.SIGINT)
    stdout, _ = proc.communicate(timeout=60)
    main = runner._step(proc.returncode, stdout, files)
    assert main.code == 1
    assert calls(fake_provision)[-1] == "SIGINT"
    assert main.state["up_exit"] == "130"

    post = runner.post(main, job_status="cancelled", extra=extra)
    assert post.code == 0, post.stdout
    down = calls(fake_provision)[-1]
    assert down[:2] == ["down", str(runner.temp / "provisioner-cancelled" / "blueprint.yaml")]
    assert down[2:] == ["--env", "cancelled", "--yes", "--output", "json",
                        "--cloud", "local", "--state", str(runner.state_file)]  # fmt: skip


def test_an_invalid_blueprint_is_annotated_on_its_line_and_nothing_is_torn_down(runner):
    (runner.workspace / "bad.yaml").write_text(
        "blueprint: 1\nname: bad\nlocation: westeurope\nvms: 3\n"
    )
    main = runner.main(blueprint="bad.yaml", **{"arm-endpoint": "local"})
    assert main.code == 1
    annotations = main.annotations("error")
    assert any("file=bad.yaml" in a and "line=4" in a for a in annotations), annotations
    assert main.state["up_exit"] == "2"
    post = runner.post(main, job_status="failure")
    assert post.code == 0
    (notice,) = post.annotations("notice")
    assert "nothing was created" in notice
    assert "provision down" not in post.stdout


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"env": "PR_12"}, 'input env "PR_12" is not a valid environment name'),
        (
            {"teardown": "sometimes"},
            'input teardown "sometimes" must be one of always, on-success, never',
        ),
        ({"arm-endpoint": "localhost"}, 'input arm-endpoint "localhost" must be empty (Azure)'),
        ({}, "no cloud to provision in: set input subscription (or AZURE_SUBSCRIPTION_ID)"),
        ({"blueprint": ""}, "input blueprint is required"),
    ],
)
def test_bad_inputs_fail_the_step_before_anything_is_installed_or_created(runner, inputs, message):
    main = runner.main(**inputs)
    assert main.code == 1
    (error,) = main.annotations("error")
    assert message in error
    assert main.state == {}  # nothing for a post step to tear down
    post = runner.post(main)
    assert post.code == 0 and "nothing to tear down" in post.stdout


def test_an_arm_endpoint_url_needs_a_tool_that_takes_one(runner, fake_provision):
    log = {"FAKE_PROVISION_LOG": str(fake_provision)}
    main = runner.run(
        "main.js",
        {
            "blueprint": "blueprint.yaml",
            "install": "false",
            "arm-endpoint": "https://127.0.0.1:8443",
        },
        log,
    )
    assert main.code == 1
    (error,) = main.annotations("error")
    assert "needs a provisioner whose up has --arm-endpoint" in error
    assert main.state == {}
    assert calls(fake_provision) == [["up", "--help"]]

    main = runner.run(
        "main.js",
        {
            "blueprint": "blueprint.yaml",
            "install": "false",
            "arm-endpoint": "https://127.0.0.1:8443",
        },
        log | {"FAKE_HAS_ARM_ENDPOINT": "1"},
    )
    assert main.code == 0, main.stdout
    assert calls(fake_provision)[-1][-2:] == ["--arm-endpoint", "https://127.0.0.1:8443"]
    post = runner.post(main, extra=log)
    assert post.code == 0
    assert calls(fake_provision)[-1][-2:] == ["--arm-endpoint", "https://127.0.0.1:8443"]


def test_a_tool_that_writes_its_own_summary_gets_no_second_one(runner, fake_provision):
    """up writes its own summary (the picture and the mapping, issue 14): the action only
    adds when the environment goes. A provisioner whose up writes none gets the action's."""
    inputs = {"blueprint": "blueprint.yaml", "install": "false", "arm-endpoint": "local"}
    log = {"FAKE_PROVISION_LOG": str(fake_provision)}
    main = runner.run("main.js", inputs, log | {"FAKE_UP_SUMMARY": "1"})
    assert main.code == 0, main.stdout
    env = main.outputs["env"]
    assert main.summary == f"summary of up\nEnvironment `{env}`: torn down when the job ends.\n"
    main = runner.run("main.js", inputs, log)  # an older provisioner: the action's section
    assert main.summary.startswith("### provisioner: environment")
    assert "Torn down when the job ends." in main.summary


# --- the deciding functions, called through node -e ---------------------------------------


def js(*calls: tuple[str, list[Any]]) -> list[Any]:
    """Call functions of provision.js with JSON arguments; their JSON results, in order."""
    program = (
        "const p = require(process.argv[1]);"
        "const calls = JSON.parse(process.argv[2]);"
        "const out = calls.map(([fn, args]) => { try { return p[fn](...args); }"
        " catch (e) { return {error: e.message}; } });"
        "process.stdout.write(JSON.stringify(out));"
    )
    proc = subprocess.run(
        [NODE, "-e", program, str(ACTION / "provision.js"), json.dumps(calls)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def test_the_js_environment_name_rule_is_the_tools():
    proc = subprocess.run(
        [NODE, "-e", "process.stdout.write(require(process.argv[1]).ENV_NAME.source)",
         str(ACTION / "provision.js")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert proc.stdout == f"^{ENV_NAME.pattern}$"


def test_default_env_names_are_valid_and_apart_for_jobs_matrix_legs_steps_and_attempts():
    base = {"GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "123", "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_JOB": "test", "GITHUB_ACTION": "__o_provisioner"}  # fmt: skip
    variants = [
        (base, ""),
        (base, "1"),  # another matrix leg
        (base | {"GITHUB_JOB": "other"}, ""),
        (base | {"GITHUB_ACTION": "__o_provisioner_2"}, ""),  # a second use in one job
        (base | {"GITHUB_RUN_ATTEMPT": "2"}, ""),
        (base | {"GITHUB_REPOSITORY": "Owner/A.Very_Long.Repository-Name.For--Testing.Limits"}, ""),
        (base | {"GITHUB_REPOSITORY": "o/___"}, ""),
        ({}, ""),
        (base | {"GITHUB_RUN_ID": "9" * 60}, ""),
    ]
    names = js(*[("defaultEnvName", [v, i]) for v, i in variants])
    assert all(ENV_NAME.fullmatch(n) for n in names), names
    assert len(set(names[:5])) == 5, names
    assert names[0].startswith("r-123-1-")
    assert names[5].startswith("a-very-long-repositor")
    assert names[6].startswith("gh-123-1-")


def test_teardown_decisions():
    cases = {
        ("always", "failure", 1): True,
        ("always", "cancelled", None): True,
        ("always", "success", 2): False,  # up refused its input: nothing was created
        ("never", "success", 0): False,
        ("on-success", "success", 0): True,
        ("on-success", "failure", 0): False,  # a later step failed
        ("on-success", "cancelled", None): True,
        ("on-success", "", 1): False,  # status unknown: up's own outcome decides
        ("on-success", "", None): True,  # stopped while up ran: cancelled
    }
    got = js(*[("teardownDecision", list(case)) for case in cases])
    assert [d["down"] for d in got] == list(cases.values()), got


def test_target_options_name_the_cloud_explicitly_for_up_and_down_alike():
    local = {"armEndpoint": "local", "subscription": ""}
    azure = {"armEndpoint": "", "subscription": "00000000-0000-0000-0000-000000000001"}
    from_env = {"armEndpoint": "", "subscription": ""}
    sub_env = {"AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000002"}
    got = js(
        ("targetOptions", [local, {}, "/tmp/s.sqlite"]),
        ("targetOptions", [azure, {}, "/tmp/s.sqlite"]),
        ("targetOptions", [from_env, sub_env, "/tmp/s.sqlite"]),
        ("credentialVariables", [{}, ["--cloud", "azure"]]),
        ("credentialVariables", [{"AZURE_FEDERATED_TOKEN_FILE": "/t"}, ["--cloud", "azure"]]),
        ("credentialVariables", [{"AZURE_TOKEN_CREDENTIALS": "prod"}, ["--cloud", "azure"]]),
        ("credentialVariables", [{}, ["--cloud", "local", "--state", "s"]]),
    )
    assert got[0] == ["--cloud", "local", "--state", "/tmp/s.sqlite"]
    assert got[1] == ["--cloud", "azure", "--subscription", azure["subscription"]]
    assert got[2] == ["--cloud", "azure"]
    assert got[3] == {"AZURE_TOKEN_CREDENTIALS": "azureclicredential"}  # what azure/login leaves
    assert got[4] == {"AZURE_TOKEN_CREDENTIALS": "workloadidentitycredential"}
    assert got[5] == got[6] == {}


def test_a_frontend_name_two_load_balancers_share_gets_only_the_qualified_output():
    rows = [
        {"load_balancer": "pub", "frontend": "web", "frontend_ip": "203.0.113.4"},
        {"load_balancer": "int", "frontend": "web", "frontend_ip": "10.0.2.10"},
        {"load_balancer": "int", "frontend": "db", "frontend_ip": "10.0.2.11"},
        {"load_balancer": "int", "frontend": "late", "frontend_ip": "allocated at apply"},
    ]
    (out,) = js(("outputsFromUp", [{"mapping": rows, "target": "t"}]))
    assert out["ip-pub-web"] == "203.0.113.4" and out["ip-int-web"] == "10.0.2.10"
    assert "ip-web" not in out
    assert out["ip-db"] == "10.0.2.11"
    assert "ip-late" not in out and "ip-int-late" not in out


def test_the_action_needs_nothing_but_nodes_built_ins():
    """No node_modules at run time: every require is a relative file or a `node:` built-in."""
    required = []
    for source in ACTION.glob("*.js"):
        required += re.findall(r"require\(\s*['\"]([^'\"]+)['\"]\s*\)", source.read_text())
    assert required
    assert all(r.startswith(("./", "node:")) for r in required), required
    assert not list(ACTION.rglob("package.json")) and not list(ROOT.glob("node_modules"))
