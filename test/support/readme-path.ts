// Follows a template README's "Add a table and a route" section as a user
// would: each fenced block goes where the sentence before it says. The
// placement words are matched literally, so a README that changes them
// without this file fails the test that uses it.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface Step {
  /** The prose just before the block. */
  says: string;
  code: string;
}

export function readmeSteps(readme: string, heading = '## Add a table and a route'): Step[] {
  const start = readme.indexOf(heading);
  if (start < 0) throw new Error(`README has no "${heading}" section`);
  const end = readme.indexOf('\n## ', start + heading.length);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const steps: Step[] = [];
  const fence = /^( *)```\w*\n([\s\S]*?)^\1```$/gm;
  let last = 0;
  for (let m = fence.exec(section); m; m = fence.exec(section)) {
    const indent = m[1].length;
    const code = m[2]
      .split('\n')
      .map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length)))
      .join('\n');
    steps.push({ says: section.slice(last, m.index).replace(/\s+/g, ' '), code });
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

/**
 * Applies every step: "create `file` with", "at the end of `file`", "in `file`, add this function
 * just above `anchor`", "this line inside `x`, after `anchor`". Returns the
 * steps it applied, for the test to count.
 */
export function followReadme(project: string): Step[] {
  const steps = readmeSteps(readFileSync(path.join(project, 'README.md'), 'utf8'));
  let file: string | undefined;
  for (const step of steps) {
    const named = [...step.says.matchAll(/`([\w./-]+\.(?:sql|ts))`/g)].map((m) => m[1]);
    if (named.length > 0) file = path.join(project, named.at(-1)!);
    if (!file) throw new Error(`no file named before: ${step.says}`);
    const above = /just above `([^`]+)`/.exec(step.says);
    const after = /after `([^`]+)`/.exec(step.says);
    if (/\bcreate `[^`]+` with\s*$/.test(step.says)) writeFileSync(file, step.code);
    else if (/at the end of `/.test(step.says)) edit(file, (t) => `${t.replace(/\n*$/, '\n')}\n${step.code}`);
    else if (above) edit(file, (t) => insertAt(t, above[1], `${step.code}\n`, 'before'));
    else if (after) edit(file, (t) => insertAt(t, after[1], step.code, 'after'));
    else throw new Error(`do not know where this goes: ${step.says}`);
  }
  return steps;
}
