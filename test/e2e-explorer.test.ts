// The explorer in a real browser (Debian's chromium, headless): a generated
// worker-raw project under `npm start` (neon-on-localhost run wrangler dev),
// against PostgreSQL and against the embedded database. After a request to
// `/` (a WebSocket Client), `/http` (neon()) and `/tx` (a Pool transaction),
// the page the start-up lines name shows `select now()` on both transports
// and the transaction's four statements in one session, live. Screenshots go
// to test-artifacts/ (git-ignored) at the repository's root.

import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import { REPO_ROOT } from './support/cli.ts';
import { startDevServer, type DevServer } from './support/dev-server.ts';
import { scaffoldedProject, withoutEnvFile } from './support/scaffolded.ts';

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const TRANSACTION = ['begin', 'select txid_current()::text as txid, now() as started', 'select txid_current() = $1::bigint as same_txid', 'commit'];

const scaffolded = scaffoldedProject('explorer-app', 'worker-raw', ['--no-git', '--install']);
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
}, 60_000);
afterAll(async () => browser?.close());

/** Waits until `read` gives what `ok` accepts, or fails with the last value. */
async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!ok(value)) {
    if (Date.now() > deadline) throw new Error(`${what}: last seen ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
    value = await read();
  }
  return value;
}

/** Each session or request the page shows: transport and its statements' text and status, newest first. */
function shownGroups(page: Page) {
  return page.locator('#feed article.group:not([hidden])').evaluateAll((cards) =>
    cards.map((card) => ({
      transport: (card as HTMLElement).dataset.transport,
      statements: [...card.querySelectorAll('li.stmt')].map((li) => ({
        text: li.querySelector('.sql')?.textContent,
        status: (li as HTMLElement).dataset.status,
      })),
    })),
  );
}

/** A statement batch sent to the proxy's /sql as neon() sends it. */
async function sqlBatch(dev: DevServer, databaseUrl: string, queries: string[]): Promise<number> {
  const proxy = /\[neon-on-localhost\] proxy on (\S+)/.exec(dev.output())![1];
  const response = await fetch(`http://${proxy}/sql`, {
    method: 'POST',
    headers: { 'Neon-Connection-String': databaseUrl },
    body: JSON.stringify({ queries: queries.map((query) => ({ query, params: [] })) }),
  });
  return response.status;
}

/** The embedded database's URL, from where `npm start` says it serves and the project's password file. */
function embeddedUrl(dev: DevServer): string {
  const address = /serving on (\S+)/.exec(dev.output())![1];
  const password = readFileSync(path.join(scaffolded.project, '.neon-localhost', 'pgdata.password'), 'utf8').trim();
  return `postgres://postgres:${password}@${address}/postgres`;
}

async function seeItWork(database: string, colorScheme: 'dark' | 'light', databaseUrl: (dev: DevServer) => string): Promise<void> {
  const dev = await startDevServer(scaffolded.project, '/http');
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, colorScheme });
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(String(err)));
  page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
  try {
    const explorer = /^\[neon-on-localhost\] explorer: (http:\/\/127\.0\.0\.1:\d+\/explorer) /m.exec(dev.output())?.[1];
    expect(explorer, dev.output()).toBeDefined();
    await page.goto(explorer!);
    await page.locator('#live.on').waitFor({ timeout: 10_000 });
    // A write: the tables beside the statements are read again, with no click.
    const notes = ['drop table if exists explorer_notes', 'create table explorer_notes (body text)', "insert into explorer_notes values ('first'), ('second')"];
    expect(await sqlBatch(dev, databaseUrl(dev), notes)).toBe(200);
    await until(
      () => page.locator('#tables [data-table="public.explorer_notes"] .count').allTextContents(),
      (t) => t[0] === '2',
      `${database}: the new table's rows`,
    );
    for (const route of ['/', '/http', '/tx']) expect((await fetch(`${dev.base}${route}`)).status, route).toBe(200);

    const done = (groups: Awaited<ReturnType<typeof shownGroups>>) =>
      groups.some((g) => g.transport === 'websocket' && g.statements.some((s) => s.text === 'select now()' && s.status === 'ok')) &&
      groups.some((g) => g.transport === 'http' && g.statements.some((s) => s.text === 'select now()' && s.status === 'ok')) &&
      groups.some(
        (g) =>
          g.transport === 'websocket' &&
          JSON.stringify(g.statements.map((s) => s.text)) === JSON.stringify(TRANSACTION) &&
          g.statements.every((s) => s.status === 'ok'),
      );
    const groups = await until(() => shownGroups(page), done, `${database}: the page did not show the three requests' statements`);
    // Newest first: the transaction, then neon(), then the Client, then the batch (then startDevServer's own requests to /http).
    expect(groups.slice(0, 4).map((g) => g.transport)).toEqual(['websocket', 'http', 'websocket', 'http']);
    expect(groups[3].statements.map((s) => s.text)).toEqual(notes);
    expect(groups[0].statements.map((s) => s.text)).toEqual(TRANSACTION);
    // Its turns: one each, as the driver waits for each answer.
    expect(await page.locator('#feed article.group').first().locator('li.stmt .turn').allTextContents()).toEqual(['turn 1', 'turn 2', 'turn 3', 'turn 4']);
    await until(
      () => page.locator('#tables .table').count(),
      (n) => n > 0,
      `${database}: no tables shown`,
    );
    expect(await page.locator('#tables [data-table="public.neon_on_localhost_migrations"]').count()).toBe(1);
    await until(
      () => page.locator('.fresh').count(),
      (n) => n === 0,
      'the highlight of new entries to fade',
    );
    await page.screenshot({ path: path.join(ARTIFACTS, `explorer-${database}.png`), fullPage: true });

    // Filter by text, by transport; pause and resume.
    await page.fill('#filter', 'txid');
    expect((await shownGroups(page)).map((g) => g.statements.length)).toEqual([4]);
    await page.fill('#filter', '');
    await page.click('.seg button[data-transport="http"]');
    expect(new Set((await shownGroups(page)).map((g) => g.transport))).toEqual(new Set(['http']));
    await page.click('.seg button[data-transport="all"]');
    const before = (await shownGroups(page)).length;
    await page.click('#pause');
    expect((await fetch(`${dev.base}/http`)).status).toBe(200);
    await until(
      () => page.locator('#pause').textContent(),
      (t) => t === 'Resume (1 new)',
      'the pause button to count what came',
    );
    expect((await shownGroups(page)).length).toBe(before);
    await page.click('#pause');
    await until(
      () => shownGroups(page),
      (g) => g.length === before + 1,
      'the request made while paused, after resuming',
    );

    // Another page on this machine (the Worker's own origin) cannot read the explorer.
    const other = await browser.newPage();
    try {
      await other.goto(dev.base + '/http');
      const read = await other.evaluate(
        (url) =>
          fetch(`${url}/log`).then(
            (r) => `read ${r.status}`,
            (err: Error) => `refused: ${err.message}`,
          ),
        explorer!,
      );
      expect(read).toMatch(/^refused/);
    } finally {
      await other.close();
    }
    expect(problems).toEqual([]);
  } finally {
    await page.close();
    expect(await dev.stop()).toBe(true);
  }
  expect(dev.output()).not.toContain(scaffolded.db.password);
}

describe('the explorer page of a generated worker-raw project, in headless chromium', () => {
  it('against PostgreSQL: select now() over WebSocket and HTTP, and /tx as one session of four statements', async () => {
    await seeItWork('postgresql', 'dark', () => scaffolded.db.url);
  }, 180_000);

  it('against the embedded database: the same', async () => {
    await withoutEnvFile(scaffolded.project, '.dev.vars', () => seeItWork('embedded', 'light', embeddedUrl));
  }, 180_000);
});
