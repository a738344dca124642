// What to type next, printed at the end: commands with their comments in one
// column, in the package manager's terms, from what the template declares
// (its scripts, whether it runs on the embedded database, how production
// gets its database).

import type { Answers } from './context.ts';
import { hyperdriveSteps } from './hyperdrive.ts';
import { typesScript } from './install.ts';
import { claimStep } from './neon-new.ts';
import { forPackageManager, runScript } from './package-manager.ts';
import { isLocalDatabaseUrl } from './validate.ts';

export interface Outcome {
  secretStored: boolean;
  dataLoaded: boolean;
}

type Row = [command: string, comment?: string];

type StepAnswers = Pick<Answers, 'targetDir' | 'displayDir' | 'projectName' | 'template' | 'install' | 'packageManager' | 'databaseUrl' | 'neonNew'>;

/** Once before the first deploy: the production database, as the template's `production` says. */
function productionRows(answers: StepAnswers, secretStored: boolean): Row[] {
  const { production, platform } = answers.template;
  if (production.kind === 'hyperdrive') {
    // Production reads the binding: its set-up replaces the secret (see hyperdrive.ts).
    return hyperdriveSteps(answers, platform.envFile, production.binding).map((line) => {
      const [command, comment] = line.startsWith('#') ? [line] : line.split(/ {3}# /);
      return comment ? [forPackageManager(answers.packageManager, command), comment] : [command];
    });
  }
  if (secretStored) return [];
  const local = answers.databaseUrl !== undefined && isLocalDatabaseUrl(answers.databaseUrl);
  const secretCommand = forPackageManager(answers.packageManager, platform.secretCommand);
  return [[secretCommand, local ? 'once, before the first deploy: paste a Neon URL (production cannot reach a database on this machine)' : 'once, before the first deploy']];
}

/** Switching from the embedded database to Neon ends with this. */
function productionHint(answers: StepAnswers): string {
  const { production, platform } = answers.template;
  return production.kind === 'hyperdrive' ? 'create the Hyperdrive configuration (below)' : `run ${forPackageManager(answers.packageManager, platform.secretCommand)}`;
}

export function nextSteps(answers: StepAnswers, { secretStored, dataLoaded }: Outcome): string {
  const pm = answers.packageManager;
  const { platform, scripts } = answers.template;
  const rows: Row[] = [];
  if (answers.displayDir !== '.') rows.push([`cd ${answers.displayDir.includes(' ') ? JSON.stringify(answers.displayDir) : answers.displayDir}`]);
  if (!answers.install) {
    rows.push([`${pm} install`]);
    if (typesScript(answers.targetDir)) rows.push([runScript(pm, 'types'), 'generates worker-configuration.d.ts (wrangler types)']);
  }
  if (answers.neonNew) rows.push([claimStep(answers.neonNew)]);
  if (!answers.databaseUrl && answers.template.embeddedDatabase) {
    rows.push([`# no DATABASE_URL: ${runScript(pm, 'start')} and ${runScript(pm, 'test')} use an embedded Postgres (PGlite, kept in .neon-localhost/pgdata)`]);
    // The first start prepares it once, data included (neon-on-localhost's prepared database).
    if (answers.template.dbSetup) rows.push(['# the first start or test run prepares it once, with the data (about a minute)']);
    rows.push([`# to switch to Neon: put DATABASE_URL=postgres://… in ${platform.envFile}, then ${productionHint(answers)}`]);
  } else if (!answers.databaseUrl) {
    rows.push([`# put DATABASE_URL=postgres://… in ${platform.envFile}`]);
  }
  if (answers.template.dbSetup && !dataLoaded && (answers.databaseUrl || !answers.template.embeddedDatabase)) rows.push([runScript(pm, 'db:setup'), 'schema and data into DATABASE_URL']);
  rows.push([runScript(pm, 'start'), scripts.start]);
  rows.push([runScript(pm, 'test'), scripts.test]);
  rows.push(...productionRows(answers, secretStored));
  rows.push([runScript(pm, 'deploy'), scripts.deploy]);
  const width = Math.max(...rows.filter(([, comment]) => comment).map(([command]) => command.length));
  return rows.map(([command, comment]) => (comment ? `${command.padEnd(width)}   # ${comment}` : command)).join('\n');
}
