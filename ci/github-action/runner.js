'use strict';
// The GitHub Actions runner's side of a JavaScript action, on Node's built-ins only.
//
// The runner hands inputs over as INPUT_<NAME> variables and the post step's saved state as
// STATE_<name>; an action writes outputs, state, variables and PATH entries to the files named
// by GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV and GITHUB_PATH, and logs with workflow commands
// (`::error::…`) on stdout. @actions/core does the same, but a dependency would have to be
// vendored into the repository (no node_modules at run time): these few functions are all the
// action needs. Formats: docs.github.com, "Workflow commands for GitHub Actions".

const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');

/** A failure to report as one `::error::` line (no stack trace) and exit 1. */
class ActionError extends Error {}

/** The input `name` as the runner passed it (trimmed), or `fallback` when absent or empty. */
function input(name, fallback = '') {
  const value = process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`];
  return value === undefined || value.trim() === '' ? fallback : value.trim();
}

/** What the main step saved under `name`, in the post step ('' when nothing was saved). */
function state(name) {
  return process.env[`STATE_${name}`] || '';
}

function appendFileCommand(variable, name, value) {
  const file = process.env[variable];
  if (!file) {
    throw new ActionError(`${variable} is not set: this must run as a GitHub Actions step`);
  }
  // A random delimiter cannot occur in the value, so any text (JSON, several lines) is safe.
  const delimiter = `ghadelimiter_${crypto.randomUUID()}`;
  fs.appendFileSync(file, `${name}<<${delimiter}${os.EOL}${value}${os.EOL}${delimiter}${os.EOL}`);
}

function setOutput(name, value) {
  appendFileCommand('GITHUB_OUTPUT', name, String(value));
}

function saveState(name, value) {
  appendFileCommand('GITHUB_STATE', name, String(value));
}

/** Set an environment variable for the job's later steps (not for this process). */
function exportVariable(name, value) {
  appendFileCommand('GITHUB_ENV', name, String(value));
}

/** Put `dir` first on PATH for the job's later steps. */
function addPath(dir) {
  const file = process.env.GITHUB_PATH;
  if (!file) {
    throw new ActionError('GITHUB_PATH is not set: this must run as a GitHub Actions step');
  }
  fs.appendFileSync(file, `${dir}${os.EOL}`);
}

/** The step summary's current size in bytes (0 when there is none, or no summary file). */
function summarySize() {
  const file = process.env.GITHUB_STEP_SUMMARY;
  try {
    return file ? fs.statSync(file).size : 0;
  } catch {
    return 0;
  }
}

/** Append Markdown to the step summary; without GITHUB_STEP_SUMMARY (not a runner), nothing. */
function appendSummary(markdown) {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (file) {
    fs.appendFileSync(file, markdown);
  }
}

function escapeData(text) {
  return String(text).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text) {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One workflow command line, e.g. command('error', {title: 'up'}, 'refused'). */
function command(name, properties, message) {
  const props = Object.entries(properties || {})
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${k}=${escapeProperty(v)}`)
    .join(',');
  process.stdout.write(`::${name}${props ? ` ${props}` : ''}::${escapeData(message)}${os.EOL}`);
}

const error = (message, properties) => command('error', properties, message);
const warning = (message, properties) => command('warning', properties, message);
const notice = (message, properties) => command('notice', properties, message);
const info = (message) => process.stdout.write(`${message}${os.EOL}`);

async function group(title, body) {
  process.stdout.write(`::group::${escapeData(title)}${os.EOL}`);
  try {
    return await body();
  } finally {
    process.stdout.write(`::endgroup::${os.EOL}`);
  }
}

/** Run a step body: an ActionError is one error line and exit code 1, never a stack trace. */
async function runStep(body) {
  try {
    await body();
  } catch (err) {
    if (err instanceof ActionError) {
      error(err.message);
    } else {
      error(`unexpected failure in the provisioner action: ${err && err.stack ? err.stack : err}`);
    }
    process.exitCode = 1;
  }
}

module.exports = {
  ActionError,
  addPath,
  appendSummary,
  error,
  escapeData,
  escapeProperty,
  exportVariable,
  group,
  info,
  input,
  notice,
  runStep,
  saveState,
  setOutput,
  state,
  summarySize,
  warning,
};
