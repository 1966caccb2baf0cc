"""Shell completion, asked the way the installed scripts ask: ``provision`` run again with
``_PROVISION_COMPLETE=complete_<shell>`` and the words typed so far (``COMP_WORDS`` and
``COMP_CWORD`` for bash, ``_TYPER_COMPLETE_ARGS`` for zsh, fish and PowerShell, as typer's
scripts set them). Blueprint arguments complete to directories and YAML files, ``--env`` to the
environments on the target the command line names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: The console script, under the name the completion variable is derived from.
PROBE = """
import json, sys
sys.argv = ["provision", *json.loads(sys.argv[1])]
from provisioner.cli.app import main
main()
"""


def provision(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "PROVISION_"))}
    environ |= {"PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def bash(words: str, cwd: Path = ROOT) -> list[str]:
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    done = provision(
        cwd=cwd, _PROVISION_COMPLETE="complete_bash", COMP_WORDS=words, COMP_CWORD=str(cword)
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.fixture
def cloud_with_envs(tmp_path: Path) -> Path:
    """A local cloud state file holding environments pr-12 and pr-7 (their tagged groups) and
    an untagged group that is nobody's environment."""
    from provisioner.testing.local_azure import LocalAzure

    state = tmp_path / "cloud.sqlite"
    local = LocalAzure.start(state)
    for name, env in (("rg-pr-12", "pr-12"), ("rg-pr-7", "pr-7"), ("other", None)):
        tags = {"provisioner-managed": "true", "provisioner-env": env} if env else {}
        local.resources.resource_groups.create_or_update(
            name, {"location": "westeurope", "tags": tags}
        )
    local.close()
    return state


def test_a_blueprint_argument_completes_to_directories_and_yaml_files(tmp_path):
    (tmp_path / "blueprints").mkdir()
    (tmp_path / "blueprints" / "app.yaml").write_text("")
    (tmp_path / "blueprints" / "db.yml").write_text("")
    (tmp_path / "blueprints" / "notes.txt").write_text("")
    (tmp_path / "blueprints" / ".hidden.yaml").write_text("")
    (tmp_path / "bootstrap.yaml").write_text("")
    assert bash("provision up b", tmp_path) == ["blueprints/", "bootstrap.yaml"]
    assert bash("provision plan blueprints/", tmp_path) == [
        "blueprints/app.yaml",
        "blueprints/db.yml",
    ]
    assert bash("provision validate blueprints/a", tmp_path) == ["blueprints/app.yaml"]
    assert bash("provision down blueprints/.", tmp_path) == ["blueprints/.hidden.yaml"]
    assert bash("provision up nowhere/", tmp_path) == []
    assert bash("provision graph blueprints/d", tmp_path) == ["blueprints/db.yml"]


def test_env_completes_to_the_environments_on_the_named_local_cloud(cloud_with_envs):
    state = str(cloud_with_envs)
    assert bash(f"provision down --state {state} --env ") == ["pr-12", "pr-7"]
    assert bash(f"provision status --state {state} --env pr-1") == ["pr-12"]
    # The state file from the environment, as the commands read it.
    done = provision(
        _PROVISION_COMPLETE="complete_bash", COMP_WORDS="provision extend --env p", COMP_CWORD="3",
        PROVISION_LOCAL_STATE=state,
    )  # fmt: skip
    assert done.stdout.split() == ["pr-12", "pr-7"]


@pytest.mark.parametrize(
    ("shell", "extra", "expected"),
    [
        ("zsh", {}, "_arguments '*: :((\"pr-12\"))'"),
        ("fish", {"_TYPER_COMPLETE_FISH_ACTION": "get-args"}, "pr-12"),
        ("powershell", {"_TYPER_COMPLETE_WORD_TO_COMPLETE": "pr-1"}, "pr-12:::"),
    ],
)
def test_env_completion_in_zsh_fish_and_powershell(cloud_with_envs, shell, extra, expected):
    done = provision(
        _PROVISION_COMPLETE=f"complete_{shell}",
        _TYPER_COMPLETE_ARGS=f"provision up b.yaml --state {cloud_with_envs} --env pr-1",
        **extra,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected


def test_no_state_file_completes_to_nothing_and_creates_none(tmp_path):
    missing = tmp_path / "none.sqlite"
    assert bash(f"provision down --state {missing} --env ") == []
    assert not missing.exists()


#: A line only that shell's script has.
SCRIPT_MARK = {
    "bash": "complete -o default -F _provision_completion provision",
    "zsh": "#compdef provision",
    "fish": "complete --command provision",
    "powershell": "Register-ArgumentCompleter -Native -CommandName provision",
}


@pytest.mark.parametrize("shell", sorted(SCRIPT_MARK))
def test_the_completion_script_of_a_named_shell(shell):
    """What docs/ci.md tells a user to run for another shell's script gives that shell's."""
    done = provision(_PROVISION_COMPLETE=f"source_{shell}")
    assert done.returncode == 0, done.stderr
    assert SCRIPT_MARK[shell] in done.stdout
    others = [mark for other, mark in SCRIPT_MARK.items() if other != shell]
    assert not [mark for mark in others if mark in done.stdout]
    assert f"complete_{shell}" in done.stdout  # the script calls provision back for its shell
