// The files written from the answers rather than copied from the template:
// AGENTS.md (--agents), the CI workflow (--ci), and pnpm's build approvals.
// They are generated, not template files, because their commands follow the
// package manager (npm test, pnpm test…) and their facts come from
// template.json, so one text serves every template.

import type { Answers } from './context.ts';
import { forPackageManager, frozenInstallCommand, pnpmWorkspaceYaml, runScript, type PackageManager } from './package-manager.ts';
import type { Template } from './templates.ts';

export const AGENTS_FILE = 'AGENTS.md';
export const CI_FILE = '.github/workflows/ci.yml';
export const PNPM_WORKSPACE_FILE = 'pnpm-workspace.yaml';

export interface GeneratedFile {
  /** Relative to the project. */
  path: string;
  content: string;
}

type Facts = Pick<Answers, 'template' | 'packageManager' | 'projectName'>;

/** Every path this run may generate, whatever the answers (for rollback and the symlink check). */
export const GENERATED_PATHS = [AGENTS_FILE, CI_FILE, PNPM_WORKSPACE_FILE];

export function generatedFiles(answers: Facts & Pick<Answers, 'agents' | 'ci'>): GeneratedFile[] {
  const files: GeneratedFile[] = [];
  if (answers.agents) files.push({ path: AGENTS_FILE, content: agentsMd(answers, answers.ci) });
  if (answers.ci) files.push({ path: CI_FILE, content: ciWorkflow(answers.template, answers.packageManager) });
  if (answers.packageManager === 'pnpm' && answers.template.allowBuilds.length > 0) {
    files.push({ path: PNPM_WORKSPACE_FILE, content: pnpmWorkspaceYaml(answers.template.allowBuilds) });
  }
  return files;
}

const usesWrangler = (t: Template) => t.platform.cli === 'wrangler';

export function agentsMd({ template, packageManager: pm, projectName }: Facts, ci = true): string {
  const run = (script: string) => `\`${runScript(pm, script)}\``;
  const { platform, scripts } = template;
  const env = platform.envFile;
  const database = template.embeddedDatabase
    ? `Without it, ${run('start')} and ${run('test')} use an embedded Postgres (PGlite, kept in \`.neon-localhost/\`): no account or server is needed.`
    : `The tests need PostGIS, which the embedded database lacks: point DATABASE_URL at Neon or a local PostgreSQL with PostGIS${template.dbSetup ? ` and run ${run('db:setup')} first` : ''}.`;
  const close = usesWrangler(template)
    ? '`ctx.waitUntil(client.end())` (the Worker\'s execution context)'
    : '`waitUntil(pool.end())` from `@vercel/functions`';
  return [
    `# ${projectName}`,
    '',
    `${template.description}. Deployed to ${platform.label}. Created with create-neon-edge (template \`${template.name}\`).`,
    '',
    '## Commands',
    '',
    `- Install: \`${pm} install\``,
    `- Run locally: ${run('start')}: ${scripts.start}`,
    `- Test: ${run('test')}: ${scripts.test}`,
    `- Typecheck: ${run('typecheck')}`,
    ...(template.dbSetup ? [`- Schema and data: ${run('db:setup')} (into DATABASE_URL)`] : []),
    `- Deploy: ${run('deploy')}: ${scripts.deploy}. Once before the first deploy: \`${forPackageManager(pm, platform.secretCommand)}\` with a Neon URL (production cannot reach a database on this machine).`,
    '',
    `Run the tests and the typecheck before you call a change done${ci ? `; CI (\`${CI_FILE}\`) runs the same tests on every push and pull request` : ''}.`,
    '',
    '## Database',
    '',
    `- DATABASE_URL lives in \`${env}\` (git-ignored, mode 0600) or the environment. ${database}`,
    `- Never print, log or commit DATABASE_URL or \`${env}\`; error messages must not include it.`,
    '- The code reaches Postgres through the Neon serverless driver (`@neondatabase/serverless`), locally through `neon-on-localhost` (a devDependency: it never ships in the deployed bundle).',
    '',
    'Rules for code that talks to the database:',
    '',
    '- Create clients inside the request handler, never at module scope: a connection cannot outlive the request that opened it.',
    `- Close a \`Client\` or \`Pool\` after the response with ${close}, so closing does not delay the response.`,
    '- One-shot queries: `neon()` over HTTP (one round trip, nothing to close).',
    '- Sessions and interactive transactions: `Client` or `Pool` over WebSockets.',
    '- Pass values as parameters (tagged template or `$1`), never by string concatenation.',
    '',
  ].join('\n');
}

/** A GitHub Actions workflow: install exactly the lockfile, then the tests, on every push and pull request. */
export function ciWorkflow(template: Template, pm: PackageManager): string {
  const postgis = template.requires.includes('postgis');
  const lines = [
    '# Installs the dependencies and runs the tests on every push and pull request.',
    '# They run on the embedded database (PGlite): no database service is needed.',
    ...(postgis
      ? [
          '# With the secret NEON_API_KEY and the variable NEON_PROJECT_ID, a pull request',
          '# is tested on a Neon branch of its own instead, deleted when it closes.',
        ]
      : []),
    'name: CI',
    '',
    'on:',
    '  push:',
    '  pull_request:',
    ...(postgis ? ['    types: [opened, synchronize, reopened, closed]'] : []),
    '',
    'permissions:',
    '  contents: read',
    '',
    'jobs:',
    '  test:',
    ...(postgis ? ["    if: github.event.action != 'closed'"] : []),
    '    runs-on: ubuntu-latest',
    '    timeout-minutes: 20',
  ];
  if (postgis) lines.push('    env:', '      NEON_API_KEY: ${{ secrets.NEON_API_KEY }}', '      NEON_PROJECT_ID: ${{ vars.NEON_PROJECT_ID }}');
  lines.push('    steps:', '      - uses: actions/checkout@v4');
  if (pm === 'pnpm') lines.push('      - uses: pnpm/action-setup@v4', '        with:', '          version: latest');
  if (pm === 'bun') lines.push('      - uses: oven-sh/setup-bun@v2');
  lines.push('      - uses: actions/setup-node@v4', '        with:', '          node-version: 22');
  if (pm === 'npm' || pm === 'pnpm' || pm === 'yarn') lines.push(`          cache: ${pm}`);
  if (postgis) {
    const neon = "github.event_name == 'pull_request' && env.NEON_API_KEY != '' && env.NEON_PROJECT_ID != ''";
    lines.push(
      '      - name: Neon branch for this pull request',
      '        id: neon',
      `        if: ${neon}`,
      '        uses: neondatabase/create-branch-action@v5',
      '        with:',
      '          project_id: ${{ env.NEON_PROJECT_ID }}',
      '          branch_name: ci/pr-${{ github.event.number }}',
      '          api_key: ${{ env.NEON_API_KEY }}',
      '      - name: DATABASE_URL',
      '        env:',
      '          NEON_URL: ${{ steps.neon.outputs.db_url }}',
      `        if: ${neon}`,
      '        run: |',
      '          echo "::add-mask::$NEON_URL"',
      '          echo "DATABASE_URL=$NEON_URL" >> "$GITHUB_ENV"',
    );
  }
  lines.push(`      - run: ${frozenInstallCommand(pm)}`);
  // On the embedded database the tests load the data themselves (the prepared database's seed).
  if (template.dbSetup) lines.push(`      - run: ${runScript(pm, 'db:setup')}`, "        if: env.DATABASE_URL != ''");
  lines.push(`      - run: ${runScript(pm, 'test')}`);
  if (postgis) {
    lines.push(
      '',
      '  delete-neon-branch:',
      "    if: github.event_name == 'pull_request' && github.event.action == 'closed' && vars.NEON_PROJECT_ID != ''",
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: neondatabase/delete-branch-action@v3',
      '        with:',
      '          project_id: ${{ vars.NEON_PROJECT_ID }}',
      '          branch: ci/pr-${{ github.event.number }}',
      '          api_key: ${{ secrets.NEON_API_KEY }}',
    );
  }
  return `${lines.join('\n')}\n`;
}
