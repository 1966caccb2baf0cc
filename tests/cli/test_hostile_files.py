"""`provision validate` on files an adversary (or a slip of the tab key) would give it.

Each runs in a fresh interpreter, as a shell would start it: a crash of the process (100,000
nested brackets made libyaml's composer overflow the C stack) or a hang (a named pipe without a
writer) must show up as a failing test, not take the test runner with it. Every case exits 2 with
one error line naming the file, and no traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _validate(path: str | Path, *args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "provisioner", "validate", str(path), *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _one_error(done: subprocess.CompletedProcess[str], path: str | Path, code: str) -> str:
    assert done.returncode == 2, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    assert "Traceback" not in done.stdout + done.stderr
    errors = [line for line in done.stdout.splitlines() if line.startswith("error ")]
    assert len(errors) == 1, errors[:5]
    (line,) = errors
    assert line.startswith(f"error {path}") and f": {code}: " in line
    return line


def _dev_zero() -> Path:
    path = Path("/dev/zero")
    if not path.exists():
        pytest.skip("needs /dev/zero")
    return path


def test_dev_zero_is_refused_at_once():
    path = _dev_zero()

    line = _one_error(_validate(path), path, "FileUnreadable")

    assert "a device" in line


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_without_a_writer_is_refused_not_waited_on(tmp_path: Path):
    fifo = tmp_path / "blueprint.yaml"
    os.mkfifo(fifo)

    line = _one_error(_validate(fifo), fifo, "FileUnreadable")

    assert "named pipe" in line


def test_a_directory_is_refused(tmp_path: Path):
    _one_error(_validate(tmp_path), tmp_path, "FileUnreadable")


def test_a_file_past_the_size_limit_is_refused_and_the_limit_can_be_raised(tmp_path: Path):
    path = tmp_path / "big.yaml"
    blueprint = (ROOT / "blueprints" / "rule-type-1.yaml").read_text()
    path.write_text(blueprint + "# padding\n" * 500)

    line = _one_error(
        _validate(path, env={"PROVISION_BLUEPRINT_MAX_BYTES": "4000"}), path, "FileTooLarge"
    )
    assert "4000" in line

    done = _validate(path, "--output", "json", env={"PROVISION_BLUEPRINT_MAX_BYTES": "100000"})
    assert done.returncode == 0, done.stdout
    assert json.loads(done.stdout)["ok"] is True


def test_a_bad_size_limit_setting_exits_2_naming_the_variable(tmp_path: Path):
    done = _validate(
        ROOT / "blueprints" / "rule-type-1.yaml", env={"PROVISION_BLUEPRINT_MAX_BYTES": "4MB"}
    )

    assert done.returncode == 2, done.stdout + done.stderr
    assert "PROVISION_BLUEPRINT_MAX_BYTES" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize("levels", [1000, 100_000])
def test_deep_nesting_is_one_error_at_its_line_not_a_crash(tmp_path: Path, levels: int):
    path = tmp_path / "deep.yaml"
    path.write_text("blueprint: 1\nname: x\nnetwork: " + "[" * levels + "]" * levels + "\n")

    line = _one_error(_validate(path), path, "NestingTooDeep")

    assert line.startswith(f"error {path}:3:")


def test_an_integer_of_5000_digits_is_one_error_at_its_line(tmp_path: Path):
    path = tmp_path / "digits.yaml"
    path.write_text("blueprint: 1\nname: x\nlocation: " + "9" * 5000 + "\n")

    line = _one_error(_validate(path), path, "ValueTooLong")

    assert line.startswith(f"error {path}:3:11: ")


def test_a_billion_laughs_is_one_error(tmp_path: Path):
    lines = ["blueprint: 1", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    lines.append("network: *a8")
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines) + "\n")

    line = _one_error(_validate(path), path, "TooManyNodes")

    assert "73 aliases" in line
