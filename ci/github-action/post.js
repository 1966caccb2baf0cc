'use strict';
// The action's post step: `provision down` for the environment the main step brought up. It
// runs when the job ends (post-if: always(), also after a failure or a cancellation), with the
// same command, blueprint and cloud options the main step saved. A teardown that leaves
// something fails this step, so the job goes red instead of leaking resources silently.

const fs = require('node:fs');

const runner = require('./runner');
const provision = require('./provision');

function downFailure(doc, code, env) {
  const left = (doc && doc.left) || [];
  for (const item of left) {
    runner.error(`${item.id}: ${item.reason}`, { title: `left in ${env}` });
  }
  const err = doc && doc.error;
  const what = err && typeof err === 'object' ? `${err.code}: ${err.message}` : err;
  if (what) {
    return `provision down --env ${env} failed (exit ${code}): ${what}`;
  }
  if (left.length) {
    return `provision down --env ${env} left ${left.length} resource(s) (exit ${code}): see above`;
  }
  return `provision down --env ${env} failed (exit ${code}); its log is above`;
}

async function post() {
  const saved = runner.state('provisioner');
  if (!saved) {
    runner.info('nothing to tear down: the main step ended before provision up started');
    return;
  }
  const ctx = JSON.parse(saved);
  const exitText = runner.state('up_exit');
  const upExit = exitText === '' ? null : Number(exitText);
  const decision = provision.teardownDecision(ctx.teardown, runner.input('job-status'), upExit);
  if (!decision.down) {
    runner.notice(`environment ${ctx.env} kept: ${decision.why}`, { title: 'provisioner' });
    runner.appendSummary(`Environment \`${ctx.env}\` kept: ${decision.why}.\n`);
    return;
  }
  const blueprint = fs.existsSync(ctx.blueprint) ? [ctx.blueprint] : [];
  const args = ['down', ...blueprint, '--env', ctx.env, '--yes', '--output', 'json'];
  const result = await runner.group(`provision down --env ${ctx.env} (${decision.why})`, () =>
    provision.run(ctx.command, [...args, ...ctx.options], {
      env: { ...process.env, ...ctx.credentials },
    }),
  );
  const doc = provision.parseDocument(result.stdout);
  if (result.code !== 0) {
    const failure = downFailure(doc, result.code, ctx.env);
    runner.appendSummary(`:x: ${failure}\n`);
    throw new runner.ActionError(failure);
  }
  const deleted = ((doc && doc.deleted) || []).length;
  const done = `environment ${ctx.env} torn down (${deleted} deletion(s))`;
  runner.info(done);
  runner.appendSummary(`Environment \`${ctx.env}\` torn down (${deleted} deletion(s)).\n`);
}

runner.runStep(post);
