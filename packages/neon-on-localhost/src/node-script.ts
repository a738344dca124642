// How this package starts one of its own scripts in a child Node process:
// compiled (dist/*.js, as installed) or from source (*.ts, this repository's tests).

import { fileURLToPath } from 'node:url';

/** Node's arguments to run the sibling script `name` of the module at `moduleUrl`. */
export function nodeArgsFor(moduleUrl: string, name: string): string[] {
  const fromSource = moduleUrl.endsWith('.ts');
  const file = fileURLToPath(new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, moduleUrl));
  return fromSource ? ['--experimental-strip-types', '--no-warnings', file] : [file];
}
