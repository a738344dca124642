// End to end, as a user, driven by the templates' table (support/template-e2e.ts):
// the built CLI scaffolds worker-raw against a throwaway PostgreSQL, installs
// and commits it, and the generated project's own checks pass: `npm test`
// inside workerd, the type check, and `npm start` serving real answers from
// the database. Its own: the first commit, a real Neon database when one is
// given, and every port of `npm start` probed as a rebinding page would.

import { expect, it } from 'vitest';
import { cleanEnv, run } from './support/cli.ts';
import { startDevServer } from './support/dev-server.ts';
import { listeningPorts, probeAsRebindingPage, type PortProbe } from './support/local-only.ts';
import { describeTemplateE2e } from './support/template-e2e.ts';

describeTemplateE2e('worker-raw', {
  afterScaffold: (s) => {
    it('prints the next steps with the password masked', () => {
      expect(s.created.output).toContain('Next steps');
      expect(s.created.output).toContain('postgres://app:****@127.0.0.1');
    });

    it('commits the project without .dev.vars: the password is in no commit', async () => {
      const { db, project } = s;
      const files = await run('git', ['ls-files'], { cwd: project });
      expect(files.stdout.split('\n')).toEqual(
        expect.arrayContaining(['.gitignore', 'AGENTS.md', '.github/workflows/ci.yml', 'src/index.ts', 'package-lock.json']),
      );
      expect(files.stdout).not.toMatch(/^\.dev\.vars$/m);
      const log = await run('git', ['log', '--oneline'], { cwd: project });
      expect(log.stdout.trim().split('\n')).toHaveLength(1);
      const grep = await run('git', ['grep', '-l', db.password, 'HEAD'], { cwd: project });
      expect(grep.stdout).toBe('');
    });
  },
  beforeServing: (s) => {
    const neonUrl = process.env.NEON_TEST_DATABASE_URL;
    if (!neonUrl) console.log('NEON_TEST_DATABASE_URL is not set: skipping the run against a real Neon database');
    it.skipIf(!neonUrl)(
      'passes the same tests against NEON_TEST_DATABASE_URL',
      async () => {
        const result = await run('npm', ['test'], { cwd: s.project, env: cleanEnv({ DATABASE_URL: neonUrl }), timeoutMs: 240_000 });
        expect(result.code, result.output).toBe(0);
      },
      300_000,
    );
  },
  serving: {
    also: "the proxy announced, and wrangler's request.cf stacks replaced by run's one line",
    check: async (dev) => {
      expect(dev.output()).toMatch(/\[neon-on-localhost\] proxy on 127\.0\.0\.1:\d+/);
      // Offline, wrangler's two stacks about request.cf give way to one line of run's (wrangler-cf.ts).
      expect(dev.output()).not.toContain('Unable to fetch the `Request.cf` object');
    },
  },
  afterServing: (s) => {
    // Every port the session listens on, probed as a DNS-rebinding page would (Host evil.example:PORT and
    // its Origin). What still answers is upstream, at random ports, and docs/security.md says so.
    it('npm start: a rebinding page is refused at every port but the random ones wrangler and workerd keep to themselves', async () => {
      const dev = await startDevServer(s.project, '/http');
      let probes: PortProbe[];
      let front: number;
      let inner: number;
      try {
        front = Number(new URL(dev.base).port);
        const proxy = Number(/proxy on 127\.0\.0\.1:(\d+)/.exec(dev.output())?.[1]);
        inner = Number(/the port wrangler prints below \((\d+)\)/.exec(dev.output())?.[1]);
        const ports = listeningPorts(dev.pid);
        expect(ports).toEqual(expect.arrayContaining([front, proxy, inner]));
        probes = [];
        for (const port of ports) probes.push(await probeAsRebindingPage(port, '/http'));
        const at = (port: number) => probes.find((p) => p.port === port);
        // Ours: wrangler dev's address (the front) and the proxy.
        expect(at(front)?.get?.status).toBe(403);
        expect(at(proxy)?.get?.status).toBe(403);
        // wrangler's inspector (the one DevTools use) lists the Worker but refuses to attach.
        expect(probes.filter((p) => p.targets && !p.attached)).toHaveLength(1);
      } finally {
        expect(await dev.stop()).toBe(true);
      }
      const exposed = probes.filter((p) => p.attached || (p.get?.status === 200 && p.get.body.includes('"now"')));
      // Upstream: workerd's own inspector (attach, then read env.DATABASE_URL), wrangler's own port behind
      // the front and workerd's socket for the Worker, each at a port the system picked at random.
      const inspectors = exposed.filter((p) => p.attached);
      expect(inspectors.length).toBeLessThanOrEqual(1);
      for (const p of inspectors) expect(p.targets?.[0].title).toMatch(/^workerd: worker core:user:/);
      const answering = exposed.filter((p) => !p.attached).map((p) => p.port);
      expect(answering).toContain(inner);
      expect(answering.length).toBeLessThanOrEqual(2);
      for (const { port } of exposed) {
        expect(port).not.toBe(front);
        expect([8787, 9229, 4444]).not.toContain(port);
        expect(port).toBeGreaterThanOrEqual(32768); // the system's range for bind(0)
      }
    }, 120_000);
  },
});
