// The end of a run: "Done" only when the project is ready to start. Otherwise
// what is not ready, each in one line that ends with the one thing to do: a
// database the check could not reach (fix the URL, then db:setup or the
// tests), data that did not load, a Node.js too old to run the project.

import { connectionProblemLine } from 'neon-on-localhost/connection-problem';
import type { Answers } from './context.ts';
import type { Outcome } from './next-steps.ts';
import { runScript } from './package-manager.ts';

type ReadinessAnswers = Pick<Answers, 'displayDir' | 'template' | 'install' | 'packageManager' | 'databaseProblem'>;

/** What is not ready, one line each (none when the project is ready). */
export function notReady(answers: ReadinessAnswers, outcome: Outcome, nodeProblem?: string): string[] {
  const pm = answers.packageManager;
  const where = answers.displayDir === '.' ? '' : ` in ${answers.displayDir}`;
  const dbSetup = runScript(pm, 'db:setup');
  const lines: string[] = [];
  if (answers.databaseProblem) {
    const loadLater = answers.template.dbSetup && answers.install;
    lines.push(connectionProblemLine(answers.databaseProblem, loadLater ? `then run ${dbSetup}${where}` : `then ${runScript(pm, 'test')}${where} tries it`));
  } else if (outcome.dataProblem) {
    lines.push(`The data was not loaded (${outcome.dataProblem.replace(/\.$/, '')}): when that is fixed, run ${dbSetup}${where}.`);
  }
  if (nodeProblem) lines.push(nodeProblem);
  return lines;
}

/** The last line: Done, or the one thing not ready, or how many (each said above it, by the caller). */
export function outroMessage(projectName: string, unready: readonly string[]): string {
  if (unready.length === 0) return `Done: ${projectName} is ready.`;
  if (unready.length === 1) return `${projectName} is written, but not ready. ${unready[0]}`;
  return `${projectName} is written, but not ready: ${unready.length} things to fix (above).`;
}
