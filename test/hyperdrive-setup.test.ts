// worker-hyperdrive's production set-up. `wrangler hyperdrive create` takes the
// database password only on its command line, so the scaffolder never runs
// it: it prints the exact command with the connection string as a shell
// variable reference. Stand-ins for npm, git, wrangler and npx record every
// argv and stdin; the password must appear in none of them, nor in the output
// or any file but .dev.vars. The printed command, run by a shell with the
// variable set, hands wrangler the right arguments.

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanEnv, run, runCli } from './support/cli.ts';

const PASSWORD = 'Zk8#mQ2@vL/7?xWq';
const ENCODED = encodeURIComponent(PASSWORD);
const POOLED = `postgresql://alice:${ENCODED}@ep-quiet-sun-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require`;
const FORMS = [PASSWORD, ENCODED, ENCODED.toLowerCase(), Buffer.from(PASSWORD).toString('base64')];

let cwd: string;
let bin: string;
let calls: string;

beforeEach(() => {
  cwd = mkdtempSync(path.join(tmpdir(), 'neon-edge-hyperdrive-'));
  bin = path.join(cwd, '.bin');
  calls = path.join(cwd, '.calls');
  mkdirSync(bin);
  mkdirSync(calls);
  for (const name of ['npm', 'git', 'wrangler', 'npx']) {
    const file = path.join(bin, name);
    writeFileSync(file, `#!/bin/sh\nn="${calls}/${name}.$$"\nprintf '%s\\n' "$@" > "$n.argv"\ncat > "$n.stdin"\nexit 0\n`);
    chmodSync(file, 0o755);
  }
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

const env = () => cleanEnv({ PATH: `${bin}:${cleanEnv().PATH}` });

function expectNoPassword(where: string, text: string): void {
  for (const form of FORMS) expect(text.includes(form), `the password (${form}) is in ${where}`).toBe(false);
}

describe('worker-hyperdrive with a Neon URL', () => {
  it('prints the wrangler hyperdrive create command with a variable reference, runs no wrangler, leaks no password', async () => {
    const result = await runCli(['app', '--template', 'worker-hyperdrive', '--database-url', POOLED, '--install', '--git', '--yes'], { cwd, env: env() });
    expect(result.code, result.output).toBe(0);
    expectNoPassword('the output', result.output);
    const command = 'npx wrangler hyperdrive create app --connection-string="$DATABASE_URL_UNPOOLED" --binding HYPERDRIVE';
    expect(result.output).toContain('read -rs DATABASE_URL_UNPOOLED');
    // Hyperdrive wants the direct host: the pooled one without -pooler.
    // (The comment wraps to the terminal's width: read it joined.)
    expect(result.output.replace(/\n│ {2}# /g, ' ')).toContain('host ep-quiet-sun-123456.us-east-2.aws.neon.tech, no -pooler');
    expect(result.output).not.toContain('wrangler secret put');

    const recorded = readdirSync(calls);
    expect(recorded.filter((f) => f.startsWith('wrangler.') || f.startsWith('npx.'))).toEqual([]);
    for (const file of recorded) expectNoPassword(file, readFileSync(path.join(calls, file), 'utf8'));

    const project = path.join(cwd, 'app');
    expect(readFileSync(path.join(project, '.dev.vars'), 'utf8')).toBe(`DATABASE_URL=${POOLED}\n`);
    for (const entry of readdirSync(project, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || entry.name === '.dev.vars') continue;
      const file = path.join(entry.parentPath, entry.name);
      expectNoPassword(path.relative(project, file), readFileSync(file, 'latin1'));
    }

    // The printed command (on two lines, continued with \, to fit the terminal), pasted line by line as the
    // user would with the variable set, gives wrangler exactly these arguments.
    const lines = result.output.split('\n').map((l) => l.replace(/^│ {2}/, ''));
    const first = lines.findIndex((l) => l.startsWith('npx wrangler hyperdrive create'));
    const last = lines.findIndex((l, i) => i >= first && !l.endsWith('\\'));
    const printed = lines.slice(first, last + 1);
    for (const line of printed) expect(line.length).toBeLessThanOrEqual(97);
    expect(printed.join('\n').replace(/ \\\n\s*/g, ' ')).toBe(command);
    const direct = POOLED.replace('-pooler', '');
    const ran = await run('sh', ['-c', printed.join('\n')], { cwd: project, env: { ...env(), DATABASE_URL_UNPOOLED: direct } });
    expect(ran.code, ran.output).toBe(0);
    const npx = readdirSync(calls).filter((f) => f.startsWith('npx.') && f.endsWith('.argv'));
    expect(npx).toHaveLength(1);
    expect(readFileSync(path.join(calls, npx[0]), 'utf8').trim().split('\n')).toEqual([
      'wrangler',
      'hyperdrive',
      'create',
      'app',
      `--connection-string=${direct}`,
      '--binding',
      'HYPERDRIVE',
    ]);
  });

  it('refuses --secret in one line before writing anything', async () => {
    const result = await runCli(['app', '--template', 'worker-hyperdrive', '--database-url', POOLED, '--secret', '--no-install', '--no-git'], {
      cwd,
      env: env(),
    });
    expect(result.code).toBe(1);
    expect(
      result.output
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('✖')),
    ).toEqual([expect.stringContaining('--secret: worker-hyperdrive keeps no DATABASE_URL secret in production')]);
    expectNoPassword('the output', result.output);
    expect(existsSync(path.join(cwd, 'app'))).toBe(false);
    expect(readdirSync(calls)).toEqual([]);
  });
});
