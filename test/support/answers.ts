// The answers of a run with every default taken (worker-raw, npm, no URL), for
// tests of the steps that read them; a test overrides what it is about.

import type { Answers } from '../../src/scaffold/context.ts';
import type { Template } from '../../src/scaffold/template-config.ts';
import { TEMPLATES } from '../../src/scaffold/templates.ts';

export const templateNamed = (name: string): Template => {
  const found = TEMPLATES.find((t) => t.name === name);
  if (!found) throw new Error(`no template named ${name}`);
  return found;
};

export function sampleAnswers(overrides: Partial<Answers> = {}): Answers {
  return {
    targetDir: '/tmp/app',
    displayDir: 'app',
    projectName: 'app',
    template: templateNamed('worker-raw'),
    install: true,
    packageManager: 'npm',
    dbSetup: false,
    agents: true,
    ci: true,
    git: true,
    secret: false,
    ...overrides,
  };
}
