"""action.yml and the workflows in .github/workflows/ follow their published JSON Schemas
(SchemaStore's github-action.json and github-workflow.json, as check-jsonschema vendors them),
and hold together where a schema cannot see: the files the action runs exist, its post step
runs after a failure too, every workflow that uses it passes only inputs it declares, and
docs/ci.md lists every input and output."""

from __future__ import annotations

import re

import pytest
from ci_helpers import ROOT, load_yaml, schema_errors

ACTION = ROOT / "action.yml"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
INTERNAL_INPUTS = {"job-status", "job-index"}  # evaluated by the runner, never set by hand


def test_action_yml_follows_the_github_action_schema():
    assert schema_errors(load_yaml(ACTION), "github-actions") == []


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_follow_the_github_workflow_schema(workflow):
    assert schema_errors(load_yaml(workflow), "github-workflows") == []


def test_there_is_a_workflow_that_exercises_the_action_against_the_local_cloud():
    uses = [
        step
        for wf in WORKFLOWS
        for job in load_yaml(wf)["jobs"].values()
        for step in job.get("steps", [])
        if step.get("uses") == "./"
    ]
    assert uses and all(step["with"]["arm-endpoint"] == "local" for step in uses)


def test_the_schemas_catch_a_broken_action_and_a_broken_workflow():
    """The checks above are not vacuous."""
    action = load_yaml(ACTION)
    action["runs"]["using"] = "node99"
    assert schema_errors(action, "github-actions")
    workflow = load_yaml(WORKFLOWS[0])
    next(iter(workflow["jobs"].values()))["steps"][0]["iff"] = "always()"
    assert any("'iff' was unexpected" in e for e in schema_errors(workflow, "github-workflows"))


def test_the_action_is_javascript_with_a_post_step_that_always_runs():
    runs = load_yaml(ACTION)["runs"]
    assert runs["using"].startswith("node")  # a composite action has no post step
    assert (ROOT / runs["main"]).is_file() and (ROOT / runs["post"]).is_file()
    assert runs["post-if"] == "always()"  # after a failed or cancelled job too


def test_the_runner_evaluates_the_internal_inputs_from_the_job():
    inputs = load_yaml(ACTION)["inputs"]
    assert inputs["job-status"]["default"] == "${{ job.status }}"
    assert inputs["job-index"]["default"] == "${{ strategy.job-index }}"


def test_workflows_pass_the_action_only_inputs_it_declares_and_all_it_requires():
    inputs = load_yaml(ACTION)["inputs"]
    required = {name for name, spec in inputs.items() if spec.get("required")}
    for wf in WORKFLOWS:
        for job in load_yaml(wf)["jobs"].values():
            for step in job.get("steps", []):
                if step.get("uses") != "./":
                    continue
                given = set(step.get("with", {}))
                assert given <= set(inputs) - INTERNAL_INPUTS, (wf.name, given - set(inputs))
                assert required <= given, (wf.name, required - given)


def test_docs_ci_md_lists_every_input_and_output_of_the_action():
    doc = (ROOT / "docs" / "ci.md").read_text()
    action = load_yaml(ACTION)
    for name in [*action["inputs"], *action["outputs"], "ip-LB-FRONTEND", "ip-FRONTEND"]:
        if name in INTERNAL_INPUTS:
            continue
        assert re.search(rf"^\| `{re.escape(name)}` \|", doc, re.M), f"docs/ci.md: no row {name}"
