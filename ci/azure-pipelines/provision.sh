#!/usr/bin/env bash
# The steps of ci/azure-pipelines/provision.yml: install, up, down. A file rather than inline
# scripts, because the template runs the same commands under AzureCLI@2 (Azure) and Bash@3
# (local cloud) and Azure Pipelines has no YAML anchors; and so that tests run it as the agent
# would (tests/ci/test_azure_pipelines.py).
#
# Input comes from the environment, as the template's `env:` blocks set it:
#   PROVISION_BLUEPRINT, PROVISION_ENV, PROVISION_TTL, PROVISION_SUBSCRIPTION,
#   PROVISION_ARM_ENDPOINT (empty: Azure; "local"; a URL), PROVISION_SOURCE (install: the
#   checkout of the template's own repository), PROVISION_PYTHON (default python3),
# and the agent's own variables (AGENT_TEMPDIRECTORY, BUILD_REPOSITORY_NAME, BUILD_BUILDID,
# SYSTEM_JOBATTEMPT, SYSTEM_JOBID). Output goes back as logging commands (##vso[…]).
set -euo pipefail

temp=${AGENT_TEMPDIRECTORY:-${TMPDIR:-/tmp}}
step=${1:?usage: provision.sh install|up|down}

vso() { # vso COMMAND;PROPERTIES MESSAGE, the message escaped as the agent reads it
  local msg=${2//%/%AZP25}
  msg=${msg//$'\r'/%0D}
  printf '##vso[%s]%s\n' "$1" "${msg//$'\n'/%0A}"
}
fail() {
  vso "task.logissue type=error" "$1"
  exit "${2:-1}"
}
json_field() { # json_field FILE PYTHON-EXPRESSION-OVER-d
  "${PROVISION_PYTHON:-python3}" -c 'import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception:
    d = None
print(eval(sys.argv[2]) if d is not None else "")' "$1" "$2"
}

# The default environment name: <repo>-<build id>-<attempt>-<hash of the job>, at most 40
# characters of [a-z0-9-] (provisioner/compile/tags.py ENV_NAME).
default_env() {
  local repo suffix hash room
  repo=$(printf '%s' "${BUILD_REPOSITORY_NAME:-}" | sed 's#.*/##' | tr '[:upper:]' '[:lower:]' \
    | sed -e 's/[^a-z0-9][^a-z0-9]*/-/g' -e 's/^-*//' -e 's/-*$//')
  hash=$(printf '%s' "${SYSTEM_JOBID:-}" | sha256sum 2>/dev/null || printf '%s' "${SYSTEM_JOBID:-}" | shasum -a 256)
  suffix="-${BUILD_BUILDID:-0}-${SYSTEM_JOBATTEMPT:-1}-${hash:0:4}"
  room=$((40 - ${#suffix}))
  repo=${repo:0:room}
  repo=${repo%%-}
  printf '%s%s\n' "${repo:-ado}" "$suffix"
}

local_state() { printf '%s\n' "${PROVISION_LOCAL_STATE:-$temp/provisioner-localcloud.sqlite}"; }

# The options that name the cloud, the same for up and down; a post-up teardown must never
# fall back to another cloud than the one up used.
target_options() {
  options=()
  case "${PROVISION_ARM_ENDPOINT:-}" in
    local)
      options=(--cloud local --state "$(local_state)")
      ;;
    "")
      local sub=${PROVISION_SUBSCRIPTION:-${AZURE_SUBSCRIPTION_ID:-}}
      if [ -z "$sub" ] && command -v az >/dev/null 2>&1; then
        sub=$(az account show --query id -o tsv) # the service connection's subscription
      fi
      [ -n "$sub" ] || fail "no subscription: set the subscription parameter, or armEndpoint: local"
      options=(--cloud azure --subscription "$sub")
      export AZURE_TOKEN_CREDENTIALS=${AZURE_TOKEN_CREDENTIALS:-azureclicredential}
      ;;
    http://* | https://*)
      options=(--arm-endpoint "$PROVISION_ARM_ENDPOINT")
      [ -z "${PROVISION_SUBSCRIPTION:-}" ] || options+=(--subscription "$PROVISION_SUBSCRIPTION")
      ;;
    *) fail "armEndpoint '${PROVISION_ARM_ENDPOINT}' must be empty (Azure), local, or a URL" ;;
  esac
}

install() {
  local venv="$temp/provisioner-venv" shown="$temp/provisioner-bin"
  [ -n "${PROVISION_SOURCE:-}" ] || fail "PROVISION_SOURCE: the checkout of provisioner to install"
  if [ ! -x "$venv/bin/provision" ]; then
    "${PROVISION_PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$PROVISION_SOURCE"
  fi
  mkdir -p "$shown"
  ln -sf "$venv/bin/provision" "$shown/provision" # only provision, not the venv's python
  vso task.prependpath "$shown"
}

up() {
  local env=${PROVISION_ENV:-$(default_env)} code=0
  [[ $env =~ ^[a-z0-9][a-z0-9-]{0,39}$ ]] \
    || fail "env '$env' is not a valid environment name: 1-40 of a-z, 0-9 and '-'" 2
  vso "task.setvariable variable=env;isOutput=true" "$env"
  vso "task.setvariable variable=ENV_NAME" "$env" # for the steps after up in this job
  target_options
  [ "${PROVISION_ARM_ENDPOINT:-}" != local ] \
    || vso "task.setvariable variable=PROVISION_LOCAL_STATE" "$(local_state)"
  local args=(up "$PROVISION_BLUEPRINT" --env "$env" --yes --output json)
  [ -z "${PROVISION_TTL:-}" ] || args+=(--ttl "$PROVISION_TTL")
  provision "${args[@]}" "${options[@]}" >"$temp/provisioner-up.json" || code=$?
  vso "task.setvariable variable=upExit;isOutput=true" "$code"
  local doc="$temp/provisioner-up.json"
  vso "task.setvariable variable=mapping;isOutput=true" \
    "$(json_field "$doc" 'json.dumps(d.get("mapping") or [], separators=(",", ":"))')"
  # Each frontend's address as ip_LB_FRONTEND ('-' becomes '_': variable names take no '-').
  json_field "$doc" '"\n".join(sorted({"ip_%s_%s %s" % (r["load_balancer"], r["frontend"], r["frontend_ip"])
      for r in d.get("mapping") or [] if set(r["frontend_ip"]) <= set("0123456789abcdefABCDEF.:")}))' \
    | while read -r name ip; do
      [ -z "$name" ] || vso "task.setvariable variable=${name//-/_};isOutput=true" "$ip"
    done
  if [ "$code" != 0 ]; then
    fail "provision up failed (exit $code): $(json_field "$doc" 'd.get("error")')" "$code"
  fi
}

down() {
  local env=${PROVISION_ENV:-}
  # An output variable of a step that never ran reaches us as the unexpanded macro $(up.env).
  [[ $env != '$('* ]] || env=""
  if [ -z "$env" ]; then
    echo "nothing to tear down: up did not name an environment"
    return 0
  fi
  if [ "${PROVISION_UP_EXIT:-}" = 2 ]; then
    echo "nothing to tear down: up refused its input (exit 2), so nothing was created"
    return 0
  fi
  target_options
  local code=0 blueprint=()
  # With the blueprint, down also takes brownfield VMs it joined out of their pools.
  [ ! -f "${PROVISION_BLUEPRINT:-}" ] || blueprint=("$PROVISION_BLUEPRINT")
  provision down ${blueprint[@]+"${blueprint[@]}"} --env "$env" --yes --output json "${options[@]}" \
    >"$temp/provisioner-down.json" || code=$?
  if [ "$code" != 0 ]; then
    json_field "$temp/provisioner-down.json" '"\n".join(x["id"] + ": " + x["reason"] for x in d.get("left") or [])' \
      | while read -r line; do [ -z "$line" ] || vso "task.logissue type=error" "left: $line"; done
    fail "provision down --env $env failed (exit $code)" "$code"
  fi
  echo "environment $env torn down"
}

case "$step" in
  install | up | down) "$step" ;;
  *) fail "usage: provision.sh install|up|down" 2 ;;
esac
