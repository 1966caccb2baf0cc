'use strict';
// The action's main step: check the inputs, install the tool, save what the post step needs,
// then `provision up` and set the outputs. The state is saved *before* `up` starts: a step that
// fails or is cancelled half-way still leaves its post step knowing what to tear down.
// The step summary: `up` writes its own there (the picture, the mapping table), and the action
// adds when the environment goes; a provisioner whose `up` writes none (before issue 14) gets the
// action's own section with the mapping table instead. One summary, never two.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const runner = require('./runner');
const provision = require('./provision');

/** A copy of the blueprint for the post step: `down` reads what `up` read, whatever the job
 * did to the workspace in between (a checkout of another ref, a deleted file). */
function keepBlueprint(blueprint, tempDir, env) {
  const dir = path.join(tempDir, `provisioner-${env}`);
  const copy = path.join(dir, path.basename(blueprint));
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(blueprint, copy);
    return copy;
  } catch {
    return path.resolve(blueprint); // unreadable now: `up` will say so, with exit 2
  }
}

async function requireOption(command, option) {
  const help = await provision.run(command, ['up', '--help']);
  if (!help.stdout.includes(option)) {
    throw new runner.ActionError(
      `input arm-endpoint needs a provisioner whose up has ${option}; this one has not ` +
        '(use arm-endpoint: local for the bundled local cloud)',
    );
  }
}

/** Report what `up` said: each blueprint finding as an annotation on its line, then the error. */
function upFailure(doc, code) {
  for (const finding of (doc && doc.errors) || []) {
    runner.error(finding.hint ? `${finding.message} (hint: ${finding.hint})` : finding.message, {
      title: finding.code,
      file: finding.file,
      line: finding.line,
      col: finding.column,
    });
  }
  const err = doc && doc.error;
  if (err && typeof err === 'object') {
    const where = err.resource ? `${err.resource}: ` : '';
    return `provision up failed (exit ${code}): ${where}${err.code}: ${err.message}`;
  }
  if (err) {
    return `provision up failed (exit ${code}): ${err}`;
  }
  return `provision up failed (exit ${code}); its log is above`;
}

async function main() {
  const inputs = provision.readInputs(runner.input);
  const vars = process.env;
  const env = inputs.env || provision.defaultEnvName(vars, inputs.jobIndex);
  runner.setOutput('env', env);
  const tempDir = vars.RUNNER_TEMP || os.tmpdir();
  const localState =
    vars.PROVISION_LOCAL_STATE || path.join(tempDir, 'provisioner-localcloud.sqlite');
  const options = provision.targetOptions(inputs, vars, localState);

  let command = ['provision'];
  if (inputs.install === 'true') {
    const installed = await runner.group('install provisioner (the action\'s own version)', () =>
      provision.install(inputs.python, tempDir),
    );
    command = installed.command;
    runner.addPath(installed.binDir);
  }
  if (inputs.armEndpoint && inputs.armEndpoint !== 'local') {
    await requireOption(command, '--arm-endpoint');
  }
  if (inputs.armEndpoint === 'local' && !vars.PROVISION_LOCAL_STATE) {
    runner.exportVariable('PROVISION_LOCAL_STATE', localState); // later `provision` steps
  }
  const credentials = provision.credentialVariables(vars, options);
  runner.saveState(
    'provisioner',
    JSON.stringify({
      env,
      blueprint: keepBlueprint(inputs.blueprint, tempDir, env),
      command,
      options,
      credentials,
      teardown: inputs.teardown,
    }),
  );

  const args = ['up', inputs.blueprint, '--env', env, '--yes', '--output', 'json'];
  if (inputs.ttl) {
    args.push('--ttl', inputs.ttl);
  }
  for (const tag of inputs.tags) {
    args.push('--tag', tag);
  }
  const summaryBefore = runner.summarySize();
  const result = await runner.group(`provision up ${inputs.blueprint} --env ${env}`, () =>
    provision.run(command, [...args, ...options], { env: { ...vars, ...credentials } }),
  );
  runner.saveState('up_exit', String(result.code));
  const doc = provision.parseDocument(result.stdout);
  for (const [name, value] of Object.entries(provision.outputsFromUp(doc))) {
    runner.setOutput(name, value);
  }
  const when = {
    always: 'when the job ends',
    'on-success': 'when the job ends, unless it failed',
    never: 'never (its TTL and `provision cleanup --expired` do)',
  }[inputs.teardown];
  const failure = result.code === 0 ? '' : upFailure(doc, result.code);
  if (runner.summarySize() === summaryBefore) {
    runner.appendSummary(provision.upSummary(doc, env, when, failure));
  } else {
    runner.appendSummary(`Environment \`${env}\`: torn down ${when}.\n`); // after up's own
  }
  if (failure) {
    throw new runner.ActionError(failure);
  }
  runner.info(`environment ${env} is up on ${doc.target}; the post step tears it down ${when}`);
}

runner.runStep(main);
