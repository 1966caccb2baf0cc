'use strict';
// What the action decides and runs: the environment's default name, the target options, the
// install pinned to the action's own checkout, `provision` as a child process, the outputs taken
// from `up --output json`, and whether the post step tears down. The deciding functions are pure
// (tests call them through `node -e`); main.js and post.js do the acting.

const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const { ActionError } = require('./runner');

/** provisioner/compile/tags.py ENV_NAME (tests/ci/test_github_action.py keeps the two equal). */
const ENV_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;
const TEARDOWN = ['always', 'on-success', 'never'];
/** The action's own checkout: `uses: owner/provisioner@v1` puts the whole repository there. */
const ACTION_DIR = path.resolve(__dirname, '..', '..');
const IS_WINDOWS = process.platform === 'win32';

const shortHash = (text, n) => crypto.createHash('sha256').update(text).digest('hex').slice(0, n);

/**
 * The default environment name: `<repo>-<run id>-<attempt>-<hash>`, 40 characters at most.
 * The hash covers the job, the matrix leg and the step, so two jobs of one run (or two uses of
 * the action in one job) never share an environment, and a re-run attempt gets a fresh one.
 */
function defaultEnvName(vars, jobIndex = '') {
  const run = String(vars.GITHUB_RUN_ID || '0').replace(/[^0-9]/g, '') || '0';
  const attempt = String(vars.GITHUB_RUN_ATTEMPT || '1').replace(/[^0-9]/g, '') || '1';
  const which = [vars.GITHUB_JOB || '', jobIndex, vars.GITHUB_ACTION || ''].join('\n');
  const suffix = `-${run}-${attempt}-${shortHash(which, 4)}`;
  const repo = String(vars.GITHUB_REPOSITORY || '')
    .split('/')
    .pop()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const room = 40 - suffix.length;
  if (room < 2) {
    return `gh-${shortHash(`${repo}${suffix}`, 12)}`; // absurdly long run ids: stay valid
  }
  const head = repo.slice(0, room).replace(/-+$/, '') || 'gh';
  return `${head}${suffix}`;
}

/** The inputs, checked: a bad one is an ActionError naming it, before anything is installed. */
function readInputs(get) {
  const inputs = {
    blueprint: get('blueprint'),
    env: get('env'),
    ttl: get('ttl'),
    subscription: get('subscription'),
    armEndpoint: get('arm-endpoint'),
    teardown: get('teardown', 'always').toLowerCase(),
    tags: get('tags')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean),
    python: get('python', IS_WINDOWS ? 'python' : 'python3'),
    install: get('install', 'true').toLowerCase(),
    jobIndex: get('job-index'),
  };
  if (!inputs.blueprint) {
    throw new ActionError('input blueprint is required: the path of the blueprint file');
  }
  if (inputs.env && !ENV_NAME.test(inputs.env)) {
    throw new ActionError(
      `input env ${JSON.stringify(inputs.env)} is not a valid environment name: use 1-40 ` +
        "lowercase letters, digits and '-', starting with a letter or digit",
    );
  }
  if (!TEARDOWN.includes(inputs.teardown)) {
    throw new ActionError(
      `input teardown ${JSON.stringify(inputs.teardown)} must be one of ${TEARDOWN.join(', ')}`,
    );
  }
  if (!['true', 'false'].includes(inputs.install)) {
    throw new ActionError(`input install ${JSON.stringify(inputs.install)} must be true or false`);
  }
  const endpoint = inputs.armEndpoint;
  if (endpoint && endpoint !== 'local' && !/^https?:\/\/\S+$/.test(endpoint)) {
    throw new ActionError(
      `input arm-endpoint ${JSON.stringify(endpoint)} must be empty (Azure), local, or a URL`,
    );
  }
  return inputs;
}

/**
 * The `provision` options that name the cloud, the same for `up` and `down`. Always explicit:
 * a post step must never fall back to another cloud than the one `up` used.
 */
function targetOptions(inputs, vars, localState) {
  const sub = inputs.subscription ? ['--subscription', inputs.subscription] : [];
  if (inputs.armEndpoint === 'local') {
    return ['--cloud', 'local', '--state', localState, ...sub];
  }
  if (inputs.armEndpoint) {
    return ['--arm-endpoint', inputs.armEndpoint, ...sub];
  }
  if (!inputs.subscription && !vars.AZURE_SUBSCRIPTION_ID) {
    throw new ActionError(
      'no cloud to provision in: set input subscription (or AZURE_SUBSCRIPTION_ID) for Azure, ' +
        'or arm-endpoint: local for the bundled local cloud',
    );
  }
  return ['--cloud', 'azure', ...sub];
}

/**
 * Variables for the child on Azure: azure/login leaves an Azure CLI session, and
 * DefaultAzureCredential would probe managed identity (IMDS) before it; point the chain at the
 * credential that will answer, unless the workflow chose one or set another credential's variables.
 */
function credentialVariables(vars, options) {
  if (!options.includes('azure') || vars.AZURE_TOKEN_CREDENTIALS) {
    return {};
  }
  if (vars.AZURE_FEDERATED_TOKEN_FILE) {
    return { AZURE_TOKEN_CREDENTIALS: 'workloadidentitycredential' };
  }
  if (vars.AZURE_CLIENT_SECRET || vars.AZURE_CLIENT_CERTIFICATE_PATH) {
    return { AZURE_TOKEN_CREDENTIALS: 'environmentcredential' };
  }
  return { AZURE_TOKEN_CREDENTIALS: 'azureclicredential' };
}

/**
 * Whether the post step runs `down`. `upExit` is what `up` exited with (null when the main
 * step was stopped while it ran); `jobStatus` is `job.status` as the post step sees it
 * (success, failure or cancelled; '' when unknown, then `up`'s own outcome decides).
 */
function teardownDecision(mode, jobStatus, upExit) {
  if (upExit === 2) {
    return { down: false, why: 'up refused its input (exit 2), so nothing was created' };
  }
  if (mode === 'never') {
    return { down: false, why: 'teardown: never' };
  }
  if (mode === 'always') {
    return { down: true, why: 'teardown: always' };
  }
  let status = jobStatus;
  if (!status) {
    status = upExit === null ? 'cancelled' : upExit === 0 ? 'success' : 'failure';
  }
  if (status === 'failure') {
    return {
      down: false,
      why: 'the job failed and teardown is on-success: kept for debugging until its TTL',
    };
  }
  return { down: true, why: `teardown: on-success, job ${status}` };
}

/** Outputs from the `up --output json` document: target, mapping, frontends, ip-*. */
function outputsFromUp(doc) {
  const mapping = Array.isArray(doc && doc.mapping) ? doc.mapping : [];
  const out = { target: (doc && doc.target) || '', mapping: JSON.stringify(mapping) };
  const frontends = {};
  const byName = {};
  for (const row of mapping) {
    if (!row || !row.frontend || !/^[0-9a-fA-F.:]+$/.test(String(row.frontend_ip || ''))) {
      continue; // a frontend whose address is not known yet has no output
    }
    frontends[`${row.load_balancer}/${row.frontend}`] = row.frontend_ip;
    (byName[row.frontend] = byName[row.frontend] || new Set()).add(row.load_balancer);
  }
  out.frontends = JSON.stringify(frontends);
  for (const [key, ip] of Object.entries(frontends)) {
    const [lb, frontend] = key.split('/');
    out[`ip-${lb}-${frontend}`] = ip;
    if (byName[frontend].size === 1) {
      out[`ip-${frontend}`] = ip;
    }
  }
  return out;
}

/** A Markdown table cell: no line breaks, `|` escaped. */
const cell = (value) => String(value).replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');

/**
 * The step summary of the main step (Markdown): the environment, where it is, when it goes,
 * and the mapping table, one row per load-balancing rule. `error` is the failure message when
 * `up` failed (then the mapping holds what `up` reported, possibly nothing).
 */
function upSummary(doc, env, teardownWhen, error = '') {
  const target = (doc && doc.target) || 'the cloud';
  const lines = [`### provisioner: environment \`${env}\` on ${cell(target)}`, ''];
  if (error) {
    lines.push(`:x: ${cell(error)}`, '');
  }
  lines.push(`Torn down ${teardownWhen}.`, '');
  const mapping = Array.isArray(doc && doc.mapping) ? doc.mapping : [];
  if (mapping.length) {
    lines.push(
      '| frontend | IP | rule | protocol | port | backend port | Floating IP | backends |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const r of mapping) {
      const backends = (r.backends || []).map((vm, i) =>
        r.backend_ips && r.backend_ips[i] ? `${vm} (${r.backend_ips[i]})` : vm,
      );
      lines.push(
        `| ${cell(`${r.load_balancer}/${r.frontend}`)} | ${cell(r.frontend_ip)} | ${cell(r.rule)} ` +
          `| ${cell(r.protocol)} | ${cell(r.frontend_port)} | ${cell(r.destination_port)} ` +
          `| ${r.floating_ip ? 'yes' : 'no'} | ${cell(backends.join(', '))} |`,
      );
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Run `command` (an argv array) with `args`; stderr (progress, the target line) goes to the
 * log as it comes, stdout (the JSON document) is returned. SIGINT and SIGTERM sent to the
 * action while it runs (a cancelled job) are passed on, so `provision` stops as on Ctrl-C.
 */
function run(command, args, { env = process.env, capture = true } = {}) {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(command[0], [...command.slice(1), ...args], {
        env,
        stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
      });
    } catch (err) {
      reject(new ActionError(`cannot run ${command[0]}: ${err.message}`));
      return;
    }
    const chunks = [];
    if (capture) {
      child.stdout.on('data', (chunk) => chunks.push(chunk));
    }
    const forward = (signal) => () => child.kill(signal);
    const handlers = { SIGINT: forward('SIGINT'), SIGTERM: forward('SIGTERM') };
    for (const [signal, handler] of Object.entries(handlers)) {
      process.on(signal, handler);
    }
    const done = () => {
      for (const [signal, handler] of Object.entries(handlers)) {
        process.removeListener(signal, handler);
      }
    };
    child.on('error', (err) => {
      done();
      reject(new ActionError(`cannot run ${command[0]}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      done();
      const stdout = Buffer.concat(chunks).toString('utf8');
      resolve({ code: code === null ? 128 + (os.constants.signals[signal] || 0) : code, stdout });
    });
  });
}

/** The one JSON document `--output json` writes, or null when there is none. */
function parseDocument(stdout) {
  try {
    return JSON.parse(stdout);
  } catch {
    return null;
  }
}

/**
 * Install provisioner from the action's own checkout into a virtual environment of its own
 * (pinned by construction: the code at the ref in `uses:`), once per job; then put only the
 * `provision` command on PATH for later steps (not the environment's python or pip).
 */
async function install(python, tempDir, actionDir = ACTION_DIR) {
  const venv = path.join(tempDir, `provisioner-${shortHash(actionDir, 8)}`);
  const bin = path.join(venv, IS_WINDOWS ? 'Scripts' : 'bin');
  const exe = path.join(bin, IS_WINDOWS ? 'provision.exe' : 'provision');
  const marker = path.join(venv, '.installed');
  if (!fs.existsSync(marker)) {
    const steps = [
      [[python], ['-m', 'venv', venv]],
      [
        [path.join(bin, IS_WINDOWS ? 'python.exe' : 'python')],
        ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', actionDir],
      ],
    ];
    for (const [command, args] of steps) {
      const result = await run(command, args, { capture: false });
      if (result.code !== 0) {
        throw new ActionError(
          `installing provisioner failed: ${[...command, ...args].join(' ')} exited ${result.code}`,
        );
      }
    }
    fs.writeFileSync(marker, `${actionDir}\n`);
  }
  const shown = path.join(tempDir, 'provisioner-bin');
  fs.mkdirSync(shown, { recursive: true });
  if (IS_WINDOWS) {
    fs.writeFileSync(path.join(shown, 'provision.cmd'), `@"${exe}" %*\r\n`);
  } else {
    const link = path.join(shown, 'provision');
    fs.rmSync(link, { force: true });
    fs.symlinkSync(exe, link);
  }
  return { command: [exe], binDir: shown };
}

module.exports = {
  ACTION_DIR,
  ENV_NAME,
  TEARDOWN,
  credentialVariables,
  defaultEnvName,
  install,
  outputsFromUp,
  parseDocument,
  readInputs,
  run,
  targetOptions,
  teardownDecision,
  upSummary,
};
