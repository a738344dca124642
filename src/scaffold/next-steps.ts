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
  /** Why db:setup did not load the data, when it ran and failed. */
  dataProblem?: string;
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
  const secretCommand = forPackageManager(answers.packageManager, platform.secretCommand);
  return [[secretCommand, `once, before the first deploy${secretNeeds(answers)}`]];
}

/** What the secret must be when the URL the project has now cannot serve production. */
function secretNeeds(answers: StepAnswers): string {
  if (answers.databaseUrl === undefined) {
    return answers.template.embeddedDatabase
      ? ': paste a Neon URL (production cannot reach the embedded database; https://neon.new makes one, no sign-up)'
      : ': paste your Neon URL';
  }
  return isLocalDatabaseUrl(answers.databaseUrl) ? ': paste a Neon URL (production cannot reach a database on this machine)' : '';
}

/** Switching from the embedded database to Neon ends with this. */
function productionHint(answers: StepAnswers): string {
  const { production } = answers.template;
  return production.kind === 'hyperdrive' ? 'create the Hyperdrive configuration (below)' : 'store it as the production secret (below)';
}

/** The steps as lines of at most `width` columns (tests read them unwrapped, with Infinity). */
export function nextSteps(answers: StepAnswers, { secretStored, dataLoaded }: Outcome, width = NEXT_STEPS_WIDTH): string {
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
  if (answers.template.dbSetup && !dataLoaded && (answers.databaseUrl || !answers.template.embeddedDatabase))
    rows.push([runScript(pm, 'db:setup'), 'schema and data into DATABASE_URL']);
  rows.push([runScript(pm, 'start'), scripts.start]);
  rows.push([runScript(pm, 'test'), scripts.test]);
  rows.push(...productionRows(answers, secretStored));
  rows.push([runScript(pm, 'deploy'), scripts.deploy]);
  return layOut(rows, width).join('\n');
}

/** Printed after clack's 3-column gutter (`│  `), the lines stay within 100 columns. */
export const NEXT_STEPS_WIDTH = 97;

const COMMENT = '   # ';
/** A command gets its comment beside it when at least this much room is left for it. */
const MIN_COMMENT_WIDTH = 30;

/**
 * The rows as lines of at most `width` columns (a single word longer than
 * that is left whole): comments in one column beside their commands, wrapped
 * at spaces and continued in the same column; a command too long for that
 * column has its comment on the line above it; a command too long for a line
 * continues on the next with a shell's ` \`.
 */
export function layOut(rows: readonly Row[], width: number): string[] {
  const isNote = (command: string) => command.startsWith('#');
  const fitsBeside = (command: string) => command.length <= width - COMMENT.length - MIN_COMMENT_WIDTH;
  const column = Math.max(0, ...rows.filter(([command, comment]) => comment && !isNote(command) && fitsBeside(command)).map(([command]) => command.length));
  const note = (text: string) => wrapWords(text, width - 2).map((line) => `# ${line}`);
  return rows.flatMap(([command, comment]): string[] => {
    if (isNote(command)) return note(command.replace(/^#\s*/, ''));
    if (!comment) return wrapCommand(command, width);
    if (command.length > column) return [...note(comment), ...wrapCommand(command, width)];
    const [first, ...rest] = wrapWords(comment, width - column - COMMENT.length);
    return [`${command.padEnd(column)}${COMMENT}${first}`, ...rest.map((line) => `${' '.repeat(column)}${COMMENT}${line}`)];
  });
}

/** Words joined into lines of at most `width` columns. */
function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** A shell command over several lines, each but the last ending in ` \`, broken between arguments (never inside quotes). */
function wrapCommand(command: string, width: number): string[] {
  if (command.length <= width) return [command];
  const words = command.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [command];
  const lines: string[] = [];
  for (const word of words) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length + 2 <= width) lines[last] += ` ${word}`;
    else lines.push(last >= 0 ? `  ${word}` : word);
  }
  return lines.map((line, i) => (i < lines.length - 1 ? `${line} \\` : line));
}
