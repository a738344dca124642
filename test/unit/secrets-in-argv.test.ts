// A command's arguments are readable by every process on the machine (ps,
// /proc) for as long as it runs, and CI logs them. So no command we show or
// write passes a secret as an argument: not the READMEs, docs/, the
// changelogs, the templates' and their ORM variants' README.md and AGENTS.md, the next steps printed for every
// template, nor the generated CI workflows. The environment (or standard
// input) carries it instead. The one exception is upstream and documented.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ciWorkflow } from '../../src/scaffold/ci-workflow.ts';
import { nextSteps } from '../../src/scaffold/next-steps.ts';
import { PACKAGE_MANAGERS } from '../../src/scaffold/package-manager.ts';
import { TEMPLATES, templatesRoot } from '../../src/scaffold/templates.ts';
import { sampleAnswers } from '../support/answers.ts';

const REPO = path.resolve(templatesRoot(), '..');

/** A flag whose value is a variable holding a secret: `--database-url "$DATABASE_URL"`, `--token=${TOKEN}`. */
const SECRET_IN_A_FLAG = /--[\w-]+(?:=|\s+)["']?\$\{?\w*(?:DATABASE_URL|PASSWORD|SECRET|TOKEN|API_KEY)\w*/;

/** Upstream commands that take the secret only as a flag, each named in docs/security.md. */
const UPSTREAM_ONLY_AS_A_FLAG = ['wrangler hyperdrive create'];

function offending(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => SECRET_IN_A_FLAG.test(line))
    .filter((line) => !UPSTREAM_ONLY_AS_A_FLAG.some((command) => line.includes(command)));
}

const markdown = [
  'README.md',
  'CHANGELOG.md',
  'packages/neon-on-localhost/README.md',
  'packages/neon-on-localhost/CHANGELOG.md',
  ...readdirSync(path.join(REPO, 'docs')).map((f) => `docs/${f}`),
  ...TEMPLATES.flatMap((t) => [
    `templates/${t.name}/README.md`,
    `templates/${t.name}/AGENTS.md`,
    // An ORM variant's own README.md and AGENTS.md replace the template's.
    ...Object.values(t.orms).flatMap((v) => (v ? [`templates/${t.name}/${v.files}/README.md`, `templates/${t.name}/${v.files}/AGENTS.md`] : [])),
  ]),
].filter((f) => f.endsWith('.md'));

describe('no secret in a command line', () => {
  it('finds one: the old README example, and a token', () => {
    expect(offending('  --database-url "$DATABASE_URL" --no-git')).toHaveLength(1);
    expect(offending('curl --header=$NEON_API_KEY x')).toHaveLength(1);
    expect(offending('DATABASE_URL=… npm create neon-edge@latest app -- --template worker-raw')).toEqual([]);
  });

  it.each(markdown)('%s', (file) => {
    expect(offending(readFileSync(path.join(REPO, file), 'utf8'))).toEqual([]);
  });

  it('the next steps of every template (with and without a URL)', () => {
    for (const template of TEMPLATES) {
      for (const databaseUrl of [undefined, 'postgres://app:pw@ep-x-1.us-east-2.aws.neon.tech/neondb']) {
        const answers = sampleAnswers({ template, databaseUrl });
        expect(offending(nextSteps(answers, { secretStored: false, dataLoaded: false })), template.name).toEqual([]);
      }
    }
  });

  it('the CI workflow of every template: no secret in a run step, which the shell would expand into arguments', () => {
    for (const template of TEMPLATES) {
      for (const pm of PACKAGE_MANAGERS) {
        const text = ciWorkflow(template.ci, pm);
        expect(offending(text), `${template.name} ${pm}`).toEqual([]);
        const steps = Object.values((parse(text) as { jobs: Record<string, { steps: { run?: string }[] }> }).jobs).flatMap((job) => job.steps);
        for (const step of steps) expect(step.run ?? '', `${template.name} ${pm}`).not.toMatch(/\$\{\{\s*secrets\./);
      }
    }
  });

  it.each(UPSTREAM_ONLY_AS_A_FLAG)('the upstream exception %s is named in docs/security.md', (command) => {
    expect(readFileSync(path.join(REPO, 'docs/security.md'), 'utf8')).toContain(`\`${command}\``);
  });
});
