"""A hostile or careless user: every mistake is one clear error, the right exit code, no traceback.

Invalid input exits 2 and sends nothing to the cloud (the local cloud's request log stays empty);
with ``--output json`` stdout holds exactly one JSON document. Ctrl-C exits 130 in one line.
Secrets generated for new VMs never reach any output.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from provisioner.cli import plumbing
from provisioner.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
RULE_TYPE_1 = ROOT / "blueprints" / "rule-type-1.yaml"
WINDOWS = ROOT / "blueprints" / "windows-backends.yaml"
SUB = "00000000-0000-0000-0000-0000000000aa"


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None

    def json(self) -> Any:
        """Exactly one JSON document on stdout."""
        return json.loads(self.stdout)

    @property
    def first_err_line(self) -> str:
        return (self.stderr.splitlines() or [""])[0]


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Work in a temporary directory, with no Azure settings from the environment."""
    monkeypatch.chdir(tmp_path)
    for name in ("AZURE_SUBSCRIPTION_ID", "PROVISION_LOCAL_STATE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def cloud(tmp_path: Path):
    from provisioner.localcloud import LocalCloud

    lc = LocalCloud(state_path=tmp_path / "cloud.sqlite")
    lc.set_time_scale(0)
    yield lc
    lc.close()


@pytest.fixture
def cli(cloud) -> Callable[..., Run]:
    """``provision ARGS…`` in-process against the fixture's cloud (unless --state is given)."""
    runner = CliRunner()

    def run(*args: str, state: bool = True) -> Run:
        argv = [*args, "--state", str(cloud.state_path)] if state else list(args)
        result = runner.invoke(app, argv)
        exc = result.exception
        if exc is not None and not isinstance(exc, SystemExit):
            raise AssertionError(f"provision {' '.join(argv)} raised {exc!r}") from exc
        run_ = Run(result.exit_code, result.stdout, result.stderr, exc)
        assert "Traceback" not in run_.stdout + run_.stderr
        return run_

    return run


@pytest.fixture
def no_azure_sign_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything tries to build Azure credentials (that would probe and hang)."""
    import azure.identity

    def forbidden(*_: Any, **__: Any) -> Any:
        raise AssertionError("DefaultAzureCredential must not be built for invalid input")

    monkeypatch.setattr(azure.identity, "DefaultAzureCredential", forbidden)


def requests(cloud) -> list[Any]:
    return list(cloud.request_log())


def one_line_error(run: Run, *needles: str) -> None:
    """Text mode: one ``error:`` line naming what was wrong."""
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]


# --- bad blueprint files, through every command that reads one ---------------------------------

BAD_FILES: dict[str, Callable[[Path], Path]] = {
    "missing": lambda d: d / "nope.yaml",
    "directory": lambda d: _mkdir(d / "adir"),
    "not-utf8": lambda d: _write(d / "bin.yaml", b"\xff\xfe\x00bad"),
    "empty": lambda d: _write(d / "empty.yaml", b""),
    "bad-yaml": lambda d: _write(d / "bad.yaml", b"name: [x\n  y: :\n"),
    "scalar": lambda d: _write(d / "scalar.yaml", b"just text\n"),
    "unknown-field": lambda d: _write(
        d / "unknown.yaml", RULE_TYPE_1.read_bytes() + b"\nsurprise: 1\n"
    ),
}
BLUEPRINT_COMMANDS = [
    ["plan"],
    ["up", "--yes"],
    ["down", "--yes"],
    ["status"],
    ["guest"],
    ["verify"],
]


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_validate_reports_a_bad_file_with_exit_2(cli, tmp_path, kind):
    path = BAD_FILES[kind](tmp_path)
    text = cli("validate", str(path), state=False)
    assert text.exit_code == 2
    assert path.name in text.stdout
    doc = cli("validate", str(path), "-o", "json", state=False).json()
    assert doc["ok"] is False and doc["errors"]
    assert all(e["file"] or e["code"] for e in doc["errors"])


@pytest.mark.parametrize("command", BLUEPRINT_COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_bad_blueprint_exits_2_and_calls_nothing(cli, cloud, tmp_path, command, kind):
    path = BAD_FILES[kind](tmp_path)
    text = cli(*command, str(path))
    assert text.exit_code == 2, text.stderr
    assert text.first_err_line.startswith("target: local cloud (")
    assert path.name in text.stderr
    assert "error ?:" not in text.stderr  # every finding names at least its file
    assert text.stdout == ""
    js = cli(*command, str(path), "-o", "json")
    assert js.exit_code == 2
    doc = js.json()
    assert doc["ok"] is False and doc["errors"]
    assert requests(cloud) == []


def test_blueprint_errors_name_file_line_and_field(cli, tmp_path):
    path = BAD_FILES["unknown-field"](tmp_path)
    doc = cli("plan", str(path), "-o", "json").json()
    err = doc["errors"][0]
    assert err["file"] == str(path) and err["line"] and err["field"] == "surprise"


# --- options ------------------------------------------------------------------------------------

BAD_ENVS = ["has space", "UPPER", "../x", "a" * 200, "a;rm -rf /", "$(id)", "", "-lead", "a\nb"]


@pytest.mark.parametrize("env", BAD_ENVS, ids=repr)
@pytest.mark.parametrize(
    "command",
    [
        ["plan", str(RULE_TYPE_1)],
        ["up", str(RULE_TYPE_1), "--yes"],
        ["status"],
        ["guest", str(RULE_TYPE_1)],
        ["verify", str(RULE_TYPE_1)],
        ["extend", "--ttl", "4h"],
        ["down", str(RULE_TYPE_1), "--yes"],
    ],
    ids=lambda c: c[0],
)
def test_bad_env_names_exit_2(cli, cloud, command, env):
    text = cli(*command, "--env", env)
    assert text.exit_code == 2, text.stderr
    one_line_error(text, "--env", "environment name")
    assert text.first_err_line.startswith("target: local cloud (")
    js = cli(*command, "--env", env, "-o", "json")
    assert js.exit_code == 2 and "--env" in js.json()["error"]
    assert requests(cloud) == []


def test_bad_env_prefix_exits_2(cli, cloud):
    run = cli("cleanup", "--env-prefix", "Prod X", "-o", "json")
    assert run.exit_code == 2 and "--env-prefix" in run.json()["error"]
    assert requests(cloud) == []


@pytest.mark.parametrize("ttl", ["4x", "0h", "-1h", "1.5h", "h", "3000000d", "999999999999d"])
@pytest.mark.parametrize(
    "command",
    [["up", str(RULE_TYPE_1), "--yes"], ["extend", "--env", "rule-type-1"]],
    ids=lambda c: c[0],
)
def test_bad_ttl_exits_2(cli, cloud, command, ttl):
    text = cli(*command, f"--ttl={ttl}")
    assert text.exit_code == 2, text.stderr
    one_line_error(text, "--ttl", ttl)
    js = cli(*command, f"--ttl={ttl}", "-o", "json")
    assert js.exit_code == 2 and "--ttl" in js.json()["error"]
    assert requests(cloud) == []


@pytest.mark.parametrize("value", ["4x", "0h", "-1h", "3000000d"])
def test_bad_older_than_exits_2(cli, cloud, value):
    text = cli("cleanup", f"--older-than={value}")
    assert text.exit_code == 2
    one_line_error(text, "--older-than")
    js = cli("cleanup", f"--older-than={value}", "-o", "json")
    assert js.exit_code == 2 and "--older-than" in js.json()["error"]
    assert requests(cloud) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["up", str(RULE_TYPE_1), "--yes", "--max-parallel", "0"],
        ["up", str(RULE_TYPE_1), "--yes", "--max-parallel", "-3"],
        ["down", "--env", "x", "--yes", "--max-parallel", "0"],
        ["guest", str(RULE_TYPE_1), "--max-parallel", "many"],
        ["cleanup", "--expired", "--max-parallel", "0"],
        ["plan", str(RULE_TYPE_1), "--no-such-option"],
        ["validate", str(RULE_TYPE_1), "--no-such-option"],
    ],
    ids=lambda a: " ".join(a[:1] + a[-2:]),
)
def test_usage_errors_exit_2_with_one_json_document(cli, cloud, argv):
    text = cli(*argv)
    assert text.exit_code == 2 and text.stdout == ""
    js = cli(*argv, "--output", "json")
    assert js.exit_code == 2
    assert js.json()["ok"] is False
    assert requests(cloud) == []


@pytest.mark.parametrize("command", [["plan", str(RULE_TYPE_1)], ["validate", str(RULE_TYPE_1)]])
def test_unknown_output_format_exits_2(cli, command):
    run = cli(*command, "--output", "yaml", state=False)
    assert run.exit_code == 2 and run.stdout == ""
    assert "yaml" in run.stderr


CLOUD_COMMANDS = [
    ["plan", str(RULE_TYPE_1)],
    ["up", str(RULE_TYPE_1), "--yes"],
    ["down", "--env", "x", "--yes"],
    ["status"],
    ["extend", "--env", "x", "--ttl", "4h"],
    ["cleanup", "--expired"],
]


@pytest.mark.usefixtures("no_azure_sign_in")
@pytest.mark.parametrize("command", CLOUD_COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--cloud", "foo"], "--cloud"),
        (["--cloud", "azure"], "subscription"),
        (["--subscription", "not-a-guid"], "--subscription"),
        (["--cloud", "azure", "--subscription", "1234"], "--subscription"),
    ],
    ids=["cloud-foo", "azure-no-sub", "bad-sub", "azure-bad-sub"],
)
def test_bad_cloud_or_subscription_exits_2_without_signing_in(cli, command, extra, needle):
    text = cli(*command, *extra, state=False)
    assert text.exit_code == 2, text.stderr
    one_line_error(text, needle)
    js = cli(*command, *extra, "-o", "json", state=False)
    assert js.exit_code == 2 and needle in js.json()["error"]


@pytest.mark.usefixtures("no_azure_sign_in")
def test_malformed_subscription_from_the_environment_exits_2(cli, monkeypatch):
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "my-subscription")
    run = cli("status", state=False)
    assert run.exit_code == 2
    one_line_error(run, "AZURE_SUBSCRIPTION_ID")


def test_failed_azure_sign_in_is_one_clear_line(cli, monkeypatch):
    from azure.core.exceptions import ClientAuthenticationError

    import provisioner.apply.up as up_sequence

    def no_token(*_: Any, **__: Any) -> Any:
        raise ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token.\nmore")

    monkeypatch.setattr(up_sequence, "desired_and_listed", no_token)
    text = cli("plan", str(RULE_TYPE_1))
    assert text.exit_code == 2
    one_line_error(text, "cannot sign in to Azure", "az login")
    js = cli("plan", str(RULE_TYPE_1), "-o", "json")
    assert js.exit_code == 2 and "cannot sign in" in js.json()["error"]


# --- the state file -----------------------------------------------------------------------------


def _state_cases(tmp: Path) -> dict[str, tuple[Path, bytes | None]]:
    corrupt = bytes(range(256)) * 16
    (tmp / "sdir").mkdir()
    (tmp / "corrupt.sqlite").write_bytes(corrupt)
    (tmp / "text.sqlite").write_bytes(b"hello, not sqlite\n")
    return {
        "directory": (tmp / "sdir", None),
        "corrupt": (tmp / "corrupt.sqlite", corrupt),
        "text": (tmp / "text.sqlite", b"hello, not sqlite\n"),
        "parent-is-a-file": (tmp / "text.sqlite" / "cloud.sqlite", None),
    }


@pytest.mark.parametrize("case", ["directory", "corrupt", "text", "parent-is-a-file"])
@pytest.mark.parametrize(
    "command",
    [
        ["plan", str(RULE_TYPE_1)],
        ["up", str(RULE_TYPE_1), "--yes"],
        ["status"],
        ["down", "--env", "x", "--yes"],
        ["cleanup", "--expired"],
        ["local", "reset"],
    ],
    ids=lambda c: c[0] if c[0] != "local" else "local-reset",
)
def test_unusable_state_file_exits_2_and_is_left_alone(cli, tmp_path, command, case):
    path, content = _state_cases(tmp_path)[case]
    run = cli(*command, "--state", str(path), state=False)
    assert run.exit_code == 2, run.stderr
    one_line_error(run, str(path))
    if content is not None:
        assert path.read_bytes() == content  # nothing lost
    if command[0] != "local":
        js = cli(*command, "--state", str(path), "-o", "json", state=False)
        assert js.exit_code == 2 and str(path) in js.json()["error"]


@pytest.mark.parametrize(
    "argv",
    [
        ["--port", "70000"],
        ["--port", "-1"],
        ["--time-scale", "-1"],
    ],
)
def test_local_serve_rejects_bad_options(cli, argv):
    run = cli("local", "serve", *argv, state=False)
    assert run.exit_code == 2


def test_local_serve_reports_a_corrupt_state_file(cli, tmp_path):
    path, content = _state_cases(tmp_path)["corrupt"]
    run = cli("local", "serve", "--state", str(path), state=False)
    assert run.exit_code == 2
    one_line_error(run, "not a database")
    assert path.read_bytes() == content


# --- environments that are not there, confirmations, capabilities ------------------------------


def test_down_of_a_missing_environment_is_a_no_op_that_says_so(cli, cloud):
    run = cli("down", "--env", "nosuch", "--yes")
    assert run.exit_code == 0
    assert run.first_err_line == f"target: local cloud ({cloud.state_path}) · env: nosuch"
    assert "nothing carries the tags of environment 'nosuch'" in run.stderr
    doc = cli("down", "--env", "nosuch", "--yes", "-o", "json").json()
    assert doc["deleted"] == [] and doc["ok"] is True


@pytest.mark.parametrize("argv", [["--env", "rule-type-1"], [str(RULE_TYPE_1)]])
def test_down_without_yes_and_without_a_terminal_refuses(cli, cloud, argv):
    assert cli("up", str(RULE_TYPE_1), "--yes").exit_code == 0
    before = len(requests(cloud))
    text = cli("down", *argv)
    assert text.exit_code == 2
    one_line_error(text, "--yes")
    js = cli("down", *argv, "-o", "json")
    assert js.exit_code == 2 and "--yes" in js.json()["error"]
    writes = [r for r in requests(cloud)[before:] if r.method.upper() != "GET"]
    assert writes == []
    assert cli("status", "--env", "rule-type-1", "-o", "json").json()["exists"] is True


def test_extend_of_a_missing_environment_exits_2(cli, cloud):
    text = cli("extend", "--env", "nosuch", "--ttl", "4h")
    assert text.exit_code == 2
    assert text.first_err_line.endswith("· env: nosuch")
    one_line_error(text, "nosuch")
    js = cli("extend", "--env", "nosuch", "--ttl", "4h", "-o", "json")
    assert js.exit_code == 2 and "nosuch" in js.json()["error"]
    assert [r for r in requests(cloud) if r.method.upper() != "GET"] == []


def test_verify_datapath_when_not_capable(cli, monkeypatch):
    import provisioner.guest.datapath as datapath

    monkeypatch.setattr(datapath, "available", lambda: "not running as root")
    assert cli("up", str(RULE_TYPE_1), "--yes").exit_code == 0
    text = cli("verify", str(RULE_TYPE_1), "--datapath")
    assert text.exit_code == 1
    one_line_error(text, "--datapath", "not running as root")
    js = cli("verify", str(RULE_TYPE_1), "--datapath", "-o", "json")
    assert js.exit_code == 1
    doc = js.json()
    assert doc["ok"] is False and "not running as root" in doc["error"]


# --- Ctrl-C -------------------------------------------------------------------------------------


@pytest.mark.parametrize("output", ["text", "json"])
def test_ctrl_c_during_up_exits_130_in_one_line(cli, cloud, monkeypatch, output):
    import provisioner.apply.up as up_sequence

    def interrupted(*_: Any, **__: Any) -> Any:
        raise KeyboardInterrupt

    def exit_now(code: int) -> None:
        raise SystemExit(code)

    monkeypatch.setattr(up_sequence, "apply_plan", interrupted)
    monkeypatch.setattr(plumbing, "_exit_now", exit_now)
    run = cli("up", str(RULE_TYPE_1), "--yes", "-o", output)
    assert run.exit_code == 130
    if output == "json":
        assert "interrupted" in run.json()["error"]
    else:
        one_line_error(run, "interrupted")


# --- the first line, and secrets ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (["plan", str(RULE_TYPE_1)], "rule-type-1"),
        (["up", str(RULE_TYPE_1), "--yes"], "rule-type-1"),
        (["status"], None),
        (["status", "--env", "e1"], "e1"),
        (["guest", str(RULE_TYPE_1), "--env", "e2"], "e2"),
        (["verify", str(RULE_TYPE_1)], "rule-type-1"),
        (["down", "--env", "e3", "--yes"], "e3"),
        (["cleanup", "--expired"], None),
        (["extend", "--env", "e4", "--ttl", "1h"], "e4"),
    ],
    ids=lambda v: v[0] if isinstance(v, list) else str(v),
)
def test_first_stderr_line_names_target_and_environment(cli, cloud, argv, env):
    for output in ("text", "json"):
        run = cli(*argv, "-o", output)
        expected = f"target: local cloud ({cloud.state_path})" + (f" · env: {env}" if env else "")
        assert run.first_err_line == expected


def test_a_long_target_line_is_not_wrapped(cli, tmp_path):
    deep = tmp_path / ("d" * 90) / "state.sqlite"
    run = cli("status", "--env", "e" * 40, "--state", str(deep), state=False)
    assert run.first_err_line == f"target: local cloud ({deep}) · env: {'e' * 40}"


def test_generated_windows_password_never_reaches_any_output(cli, cloud, monkeypatch):
    import provisioner.apply.secrets as secrets

    marker = "Zq7!SecretMarker-9x#Pw"
    used: list[str] = []

    def password(length: int = 24) -> str:
        used.append(marker)
        return marker

    monkeypatch.setattr(secrets, "generate_password", password)
    outputs = []
    for output in ("text", "json"):
        for argv in (
            ["plan", str(WINDOWS)],
            ["up", str(WINDOWS), "--yes"],
            ["plan", str(WINDOWS)],
            ["status"],
            ["status", str(WINDOWS)],
            ["guest", str(WINDOWS), "--check"],
            ["verify", str(WINDOWS)],
        ):
            run = cli(*argv, "-o", output)
            outputs.append(run.stdout + run.stderr)
            if output == "json":
                run.json()  # one document
    assert used, "the blueprint's Windows VMs should have been given a generated password"
    assert any(marker in (r.body or "") for r in requests(cloud))  # it was really sent
    for text in outputs:
        assert marker not in text


def test_corrupt_state_is_reported_not_repaired(cli, tmp_path):
    """The same file, opened directly, is still not a database: nothing was overwritten."""
    path, _ = _state_cases(tmp_path)["corrupt"]
    cli("up", str(RULE_TYPE_1), "--yes", "--state", str(path), state=False)
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(path).execute("select * from sqlite_master").fetchall()


@pytest.mark.parametrize("command", [["plan"], ["up", "--yes"]], ids=lambda c: c[0])
def test_blueprint_default_ttl_past_year_9999_exits_2(cli, cloud, tmp_path, command):
    text = RULE_TYPE_1.read_text().replace(
        "\nlocation:", "\ndefaults:\n  ttl: 3000000d\nlocation:", 1
    )
    path = tmp_path / "huge.yaml"
    path.write_text(text)
    doc = cli(*command, str(path), "-o", "json").json()
    assert doc["ok"] is False
    assert doc["errors"][0]["field"] == "defaults.ttl" and doc["errors"][0]["line"]
    assert requests(cloud) == []
