// The explorer's page in a real browser (Debian's chromium, headless), against
// a proxy started here, in front of PostgreSQL, with an emulated round trip:
// what it shows for errors, hidden values, the distance, hostile statement
// text, and its filters. The whole path, from a generated project's
// `npm start`: test/e2e-explorer.test.ts. `serve` names the page too.

import { spawn } from 'node:child_process';
import { Client, neon, neonConfig } from '@neondatabase/serverless';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { configureNeonDriver } from '../src/driver.ts';
import { startProxy, type LocalProxy } from '../src/proxy.ts';
import { targetOf } from '../src/targets.ts';
import { launchChromium } from '../../../test/support/browser.ts';
import { cleanEnv, REPO_ROOT } from '../../../test/support/cli.ts';
import { startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';

const RTT_MS = 20;
let db: TestPostgres;
let proxy: LocalProxy;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  [db, browser] = await Promise.all([startPostgres(), launchChromium()]);
  proxy = await startProxy({ allow: [targetOf(db.url)], rttMs: RTT_MS, explorer: { databaseUrl: db.url } });
  neonConfig.webSocketConstructor = WebSocket;
  configureNeonDriver(neonConfig, db.url, proxy.address);
  page = await browser.newPage();
  page.on('pageerror', (err) => problems.push(String(err)));
  page.on('dialog', (dialog) => {
    problems.push(`a dialog opened: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(proxy.explorerUrl);
  await page.locator('#live.on').waitFor({ timeout: 10_000 });
  // What the page is shown: a session with a hidden value, an error and hostile text; a neon() query.
  const client = new Client(db.url);
  await client.connect();
  await client.query('select $1::text as secret', ['hidden-from-the-page']);
  await expect(client.query('select * from missing_table')).rejects.toThrow();
  await client.query(`select '<img src=x onerror=alert(1)>' as markup`);
  await client.end();
  await neon(db.url)`select 2 as over_http`;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await db?.destroy();
});

const visibleCards = () => page.locator('#feed article.group:not([hidden])');
const session = () => page.locator('#feed article.group[data-transport="websocket"]').first();

describe('the explorer page', () => {
  it('shows the session live: each statement, the error with its SQLSTATE, values hidden', async () => {
    await session().locator('li.stmt[data-status="ok"] .sql', { hasText: 'as markup' }).waitFor({ timeout: 10_000 });
    expect(await session().locator('li.stmt .sql').allTextContents()).toEqual([
      'select $1::text as secret',
      'select * from missing_table',
      "select '<img src=x onerror=alert(1)>' as markup",
    ]);
    expect(await session().locator('li.stmt[data-status="error"] .err').textContent()).toBe('42P01relation "missing_table" does not exist');
    expect(await session().locator('.params').allTextContents()).toEqual(['$1 · values hidden']);
    expect(await page.content()).not.toContain('hidden-from-the-page');
  });

  it('renders statement text as text: markup in it creates no element and runs nothing', async () => {
    expect(await page.locator('#feed img').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('with --rtt-ms, says the round-trip time and what each session and request would cost at it', async () => {
    expect(await page.locator('#rtt').textContent()).toBe(`RTT ${RTT_MS} ms`);
    const turns = Number(/(\d+) turns/.exec((await session().locator('.facts').textContent()) ?? '')?.[1]);
    expect(turns).toBe(3);
    // TCP connect, the upgrade, then each turn.
    expect(await session().locator('.distance').textContent()).toBe(`+${(turns + 2) * RTT_MS} ms of distance at ${RTT_MS} ms RTT`);
    const http = page.locator('#feed article.group[data-transport="http"]').first();
    await http.locator('li.stmt[data-status="ok"]').waitFor();
    expect(await http.locator('.distance').textContent()).toBe(`+${RTT_MS} ms of distance at ${RTT_MS} ms RTT`);
  });

  it('filters by SQLSTATE, by errors only, and clears the view (the proxy keeps its log: a reload shows it again)', async () => {
    await page.fill('#filter', '42P01');
    expect(await visibleCards().count()).toBe(1);
    expect(await visibleCards().locator('li.stmt.match .sql').allTextContents()).toEqual(['select * from missing_table']);
    await page.fill('#filter', '');
    await page.check('#errors-only');
    expect(await visibleCards().count()).toBe(1);
    await page.uncheck('#errors-only');
    expect(await visibleCards().count()).toBe(2);
    await page.click('#clear');
    expect(await visibleCards().count()).toBe(0);
    expect(await page.locator('#empty').isVisible()).toBe(true);
    await page.reload();
    await page.locator('#live.on').waitFor();
    await expect.poll(() => visibleCards().count()).toBe(2);
  });
});

describe('neon-on-localhost serve', () => {
  it('names the explorer, which shows DATABASE_URL’s tables', async () => {
    const cli = `${REPO_ROOT}packages/neon-on-localhost/src/cli.ts`;
    const child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', cli, 'serve', '--port', '0'], {
      env: cleanEnv({ DATABASE_URL: db.url }),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const explorer = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c;
          const m = /^neon-on-localhost explorer (http:\/\/127\.0\.0\.1:\d+\/explorer)$/m.exec(out);
          if (m) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
      });
      const answer = (await (await fetch(`${explorer}/tables`)).json()) as { database: string; tables: unknown[] };
      expect(answer.database).toBe(db.url.replace(`:${db.password}@`, ':****@'));
      expect(answer.tables).toEqual([]);
    } finally {
      child.kill('SIGTERM');
    }
  }, 30_000);
});
