// What a generated project's `npm start` must do for a web page the developer
// visits: refuse it. A DNS-rebinding page reaches 127.0.0.1 under its own name
// (Host: evil.example:PORT); any page can send its Origin. Shared by the
// end-to-end files of the templates whose `npm start` serves on port 3000.

import net from 'node:net';
import { expect } from 'vitest';
import { cleanEnv } from './cli.ts';
import { requestWith, startDevServer } from './dev-server.ts';

/** `route` answers 200 to this machine and 403 without its data to a foreign Host or Origin, and the refusal is logged. */
export async function expectLocalOnly(project: string, route: string, readyPath: string): Promise<void> {
  const dev = await startDevServer(project, readyPath);
  try {
    const { port } = new URL(dev.base);
    const local = await requestWith(dev.base, route, { Host: `localhost:${port}`, Origin: 'http://localhost:5173' });
    expect(local.status, local.body).toBe(200);
    const foreign: Record<string, string>[] = [{ Host: `evil.example:${port}` }, { Host: `127.0.0.1:${port}`, Origin: 'https://evil.example' }];
    for (const headers of foreign) {
      const refused = await requestWith(dev.base, route, headers);
      expect(refused.status, JSON.stringify(headers)).toBe(403);
      expect(JSON.parse(refused.body)).toEqual({ error: expect.stringMatching(/^neon-on-localhost: refused (Host|Origin)/) });
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    }
  } finally {
    expect(await dev.stop()).toBe(true);
  }
  expect(dev.output()).toMatch(new RegExp(`GET ${route.replace(/[/?]/g, '\\$&')} 403 Forbidden \\(\\d+ms\\): neon-on-localhost: refused Host "evil\\.example`));
}

/** With port 3000 taken, plain `npm start` takes a free one and says so, without a stack. */
export async function expectFreePortWhenTaken(project: string, readyPath: string): Promise<void> {
  const blocker = net.createServer();
  // Held here, or already held by someone else: either way it is taken.
  const held = await new Promise<boolean>((resolve) => blocker.once('error', () => resolve(false)).listen(3000, '127.0.0.1', () => resolve(true)));
  try {
    const dev = await startDevServer(project, readyPath, cleanEnv(), { defaultPort: true });
    try {
      expect(new URL(dev.base).port).not.toBe('3000');
      expect(dev.output()).toContain(`port 3000 is in use, so npm start took ${new URL(dev.base).port} instead (--port or PORT chooses one)`);
      expect(dev.output()).not.toMatch(/EADDRINUSE|\n\s+at /);
    } finally {
      expect(await dev.stop()).toBe(true);
    }
  } finally {
    if (held) blocker.close();
  }
}
