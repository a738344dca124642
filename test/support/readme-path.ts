// Follows a template README's "Add a table and a route" section as a user
// would: each fenced block goes where the sentence before it says, and a
// shell block (```sh) is run as written. The placement words are matched
// literally, so a README that changes them without this file fails the test
// that uses it.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Ran } from './cli.ts';

interface Step {
  /** The prose just before the block. */
  says: string;
  /** The fence's language: `sh` blocks are commands. */
  lang: string;
  code: string;
}

export const LOOP_HEADING = '## Add a table and a route';

export function readmeSteps(readme: string, heading = LOOP_HEADING): Step[] {
  const start = readme.indexOf(heading);
  if (start < 0) throw new Error(`README has no "${heading}" section`);
  const end = readme.indexOf('\n## ', start + heading.length);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const steps: Step[] = [];
  const fence = /^( *)```(\w*)\n([\s\S]*?)^\1```$/gm;
  let last = 0;
  for (let m = fence.exec(section); m; m = fence.exec(section)) {
    const indent = m[1].length;
    const code = m[3]
      .split('\n')
      .map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length)))
      .join('\n');
    steps.push({ says: section.slice(last, m.index).replace(/\s+/g, ' '), lang: m[2], code });
    last = m.index + m[0].length;
  }
  return steps;
}

function edit(file: string, change: (text: string) => string): void {
  writeFileSync(file, change(readFileSync(file, 'utf8')));
}

function insertAt(text: string, anchor: string, addition: string, where: 'before' | 'after'): string {
  const at = text.indexOf(anchor);
  if (at < 0) throw new Error(`anchor ${JSON.stringify(anchor)} not found`);
  const pos = where === 'before' ? text.lastIndexOf('\n', at) + 1 : text.indexOf('\n', at) + 1;
  return text.slice(0, pos) + addition + text.slice(pos);
}

/** The file a step's prose names last, or the one before it. */
function targetOf(project: string, step: Step, previous: string | undefined): string {
  const named = [...step.says.matchAll(/`([\w./-]+\.(?:sql|ts))`/g)].map((m) => m[1]);
  const file = named.length > 0 ? path.join(project, named.at(-1)!) : previous;
  if (!file) throw new Error(`no file named before: ${step.says}`);
  return file;
}

/**
 * Puts one block where its prose says: "create `file` with", "at the end of
 * `file`", "in `file`, add this function just above `anchor`", "this line
 * inside `x`, after `anchor`". Returns the file it changed.
 */
function place(project: string, step: Step, previous: string | undefined): string {
  const file = targetOf(project, step, previous);
  const above = /just above `([^`]+)`/.exec(step.says);
  const after = /after `([^`]+)`/.exec(step.says);
  if (/\bcreate `[^`]+` with\s*:?\s*$/i.test(step.says)) writeFileSync(file, step.code);
  else if (/at the end of `/.test(step.says)) edit(file, (t) => `${t.replace(/\n*$/, '\n')}\n${step.code}`);
  else if (above) edit(file, (t) => insertAt(t, above[1], `${step.code}\n`, 'before'));
  else if (after) edit(file, (t) => insertAt(t, after[1], step.code, 'after'));
  else throw new Error(`do not know where this goes: ${step.says}`);
  return file;
}

/** Applies every step of a section that holds code only. Returns the steps, for the test to count. */
export function followReadme(project: string): Step[] {
  const steps = readmeSteps(readFileSync(path.join(project, 'README.md'), 'utf8'));
  let file: string | undefined;
  for (const step of steps) {
    if (step.lang === 'sh') throw new Error(`a command in the loop: use followReadmeWithCommands (${step.code.trim()})`);
    file = place(project, step, file);
  }
  return steps;
}

export interface Followed {
  step: Step;
  /** What the commands of a shell block printed, and how they ended. */
  ran?: Ran;
}

/** Applies every step in order, running each shell block with `run` (stopping at the first that fails). */
export async function followReadmeWithCommands(project: string, run: (script: string) => Promise<Ran>): Promise<Followed[]> {
  const steps = readmeSteps(readFileSync(path.join(project, 'README.md'), 'utf8'));
  const followed: Followed[] = [];
  let file: string | undefined;
  for (const step of steps) {
    if (step.lang !== 'sh') {
      file = place(project, step, file);
      followed.push({ step });
      continue;
    }
    const ran = await run(step.code);
    followed.push({ step, ran });
    if (ran.code !== 0) break;
  }
  return followed;
}
