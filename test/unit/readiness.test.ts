// The end of a run: Done only when the project is ready; otherwise each thing
// that is not, in one line ending with what to run once it is fixed.

import { describe, expect, it } from 'vitest';
import { notReady, outroMessage } from '../../src/scaffold/readiness.ts';
import type { Template } from '../../src/scaffold/template-config.ts';
import { TEMPLATES } from '../../src/scaffold/templates.ts';

const template = (name: string) => TEMPLATES.find((t) => t.name === name) as Template;
const refused = {
  cause: 'nothing answers at 127.0.0.1:5432 (connection refused)',
  fix: 'start PostgreSQL there, or fix the host and port of DATABASE_URL in app/.dev.vars',
};
const base = { displayDir: 'app', install: true, packageManager: 'pnpm' as const };
const nothingFailed = { secretStored: false, dataLoaded: true };

describe('notReady', () => {
  it('is empty when nothing failed: Done', () => {
    expect(notReady({ ...base, template: template('worker-raw') }, nothingFailed)).toEqual([]);
    expect(outroMessage('app', [])).toBe('Done: app is ready.');
  });

  it('an unreachable database: the cause, the fix, then the tests (or db:setup where there is data to load)', () => {
    expect(notReady({ ...base, template: template('worker-raw'), databaseProblem: refused }, nothingFailed)).toEqual([
      'Nothing answers at 127.0.0.1:5432 (connection refused): start PostgreSQL there, or fix the host and port of DATABASE_URL in app/.dev.vars, then pnpm test in app tries it.',
    ]);
    expect(notReady({ ...base, template: template('worker-postgis'), databaseProblem: refused }, { secretStored: false, dataLoaded: false })).toEqual([
      'Nothing answers at 127.0.0.1:5432 (connection refused): start PostgreSQL there, or fix the host and port of DATABASE_URL in app/.dev.vars, then run pnpm run db:setup in app.',
    ]);
  });

  it('data that did not load: why, and db:setup once that is fixed', () => {
    const lines = notReady(
      { ...base, displayDir: '.', template: template('worker-postgis') },
      { secretStored: false, dataLoaded: false, dataProblem: 'extension "postgis" is not available.' },
    );
    expect(lines).toEqual(['The data was not loaded (extension "postgis" is not available): when that is fixed, run pnpm run db:setup.']);
    expect(outroMessage('places', lines)).toBe(`places is written, but not ready. ${lines[0]}`);
  });

  it('several: counted in the last line (each said above it)', () => {
    const lines = notReady(
      { ...base, template: template('worker-raw'), databaseProblem: refused },
      nothingFailed,
      'The project needs Node.js 22.12 or newer …',
    );
    expect(lines).toHaveLength(2);
    expect(outroMessage('app', lines)).toBe('app is written, but not ready: 2 things to fix (above).');
  });
});
