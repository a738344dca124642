// The GitHub Actions workflow written with --ci: install exactly the lockfile,
// then the tests, on every push and pull request. Built as data from what the
// template declares (template.ts `ci`: its database, an optional Neon branch
// per pull request, scripts before the tests) and written with `yaml`. The
// CLI gets these texts written at build time (workflow-file.ts).
//
// Hardened as GitHub's security guide advises: every action pinned to a full
// commit SHA (its version in a comment), pinned tool versions, read-only
// permissions, no pull_request_target, the checkout's token not kept on disk,
// and each secret given only to the step that uses it, never to the job, so
// the dependencies' install scripts and the tests never see NEON_API_KEY.

import { Document, isScalar, visit } from 'yaml';
import { CI_TOOL_VERSIONS, frozenInstallCommand, runScript, type PackageManager } from './package-manager.ts';
import type { CiNeeds } from './template-config.ts';

/** A third-party action at a full commit SHA; the version it was tagged with goes in the comment. */
interface PinnedAction {
  repo: string;
  sha: string;
  version: string;
}

// Looked up from each repository's tag (git rev-parse <tag>^{commit}).
export const ACTIONS = {
  checkout: { repo: 'actions/checkout', sha: '3d3c42e5aac5ba805825da76410c181273ba90b1', version: 'v7.0.1' },
  setupNode: { repo: 'actions/setup-node', sha: '820762786026740c76f36085b0efc47a31fe5020', version: 'v7.0.0' },
  setupPnpm: { repo: 'pnpm/action-setup', sha: 'fe02b34f77f8bc703788d5817da081398fad5dd2', version: 'v4.0.0' },
  setupBun: { repo: 'oven-sh/setup-bun', sha: '0c5077e51419868618aeaa5fe8019c62421857d6', version: 'v2.2.0' },
  createNeonBranch: { repo: 'neondatabase/create-branch-action', sha: '72ed4f69a12b6be9c16aebfad893f6a21e9aba8b', version: 'v6.4.0' },
  deleteNeonBranch: { repo: 'neondatabase/delete-branch-action', sha: '4468d825d5a88ef4012f1705a82f02ec3072f776', version: 'v3.2.1' },
} as const satisfies Record<string, PinnedAction>;

const RUNNER = 'ubuntu-24.04';
const NODE_VERSION = '22';
const uses = (action: PinnedAction) => `${action.repo}@${action.sha}`;

/** The service container's DATABASE_URL (its user, password and database are the container's own, not secrets). */
const SERVICE_URL = 'postgres://postgres:postgres@localhost:5432/app';

// Neon's branch only for pull requests from this repository: a fork's gets no
// secrets, and is not trusted with them.
const SAME_REPOSITORY = 'github.event.pull_request.head.repo.full_name == github.repository';
const NEON_CONFIGURED = "vars.NEON_PROJECT_ID != ''";
const BRANCH_NAME = 'ci/pr-${{ github.event.number }}';

type Step = Record<string, unknown>;

function toolSteps(pm: PackageManager, version: string | undefined): Step[] {
  const steps: Step[] = [];
  if (pm === 'pnpm') steps.push({ uses: uses(ACTIONS.setupPnpm), with: { version: version ?? CI_TOOL_VERSIONS.pnpm } });
  if (pm === 'bun') steps.push({ uses: uses(ACTIONS.setupBun), with: { 'bun-version': version ?? CI_TOOL_VERSIONS.bun } });
  // setup-node's cache needs the package manager first; bun keeps its own.
  steps.push({ uses: uses(ACTIONS.setupNode), with: { 'node-version': NODE_VERSION, ...(pm === 'bun' ? {} : { cache: pm }) } });
  return steps;
}

/** The steps that make a Neon branch for this pull request and hide its password in the log. */
function neonBranchSteps(): Step[] {
  return [
    {
      name: 'Neon branch for this pull request',
      id: 'neon',
      if: `github.event_name == 'pull_request' && ${SAME_REPOSITORY} && ${NEON_CONFIGURED}`,
      uses: uses(ACTIONS.createNeonBranch),
      with: { project_id: '${{ vars.NEON_PROJECT_ID }}', branch_name: BRANCH_NAME, api_key: '${{ secrets.NEON_API_KEY }}' },
    },
    {
      name: "Hide the branch's password in the log",
      if: "steps.neon.outputs.db_url != ''",
      env: { NEON_PASSWORD: '${{ steps.neon.outputs.password }}', NEON_URL: '${{ steps.neon.outputs.db_url }}' },
      run: 'echo "::add-mask::$NEON_PASSWORD"\necho "::add-mask::$NEON_URL"\n',
    },
  ];
}

/** DATABASE_URL for the steps that use the database: the Neon branch, else the service, else none (the embedded database). */
function databaseUrl(ci: CiNeeds): string | undefined {
  const fallback = ci.database.kind === 'service' ? `'${SERVICE_URL}'` : undefined;
  if (ci.neonBranchPerPullRequest) return `\${{ steps.neon.outputs.db_url${fallback ? ` || ${fallback}` : ''} }}`;
  return fallback ? SERVICE_URL : undefined;
}

function header(ci: CiNeeds): string[] {
  const where =
    ci.database.kind === 'service'
      ? `The tests need ${ci.database.label}: a ${ci.database.label} service container by default.`
      : 'They run on the embedded database (PGlite): no database service is needed.';
  const lines = ['Installs the dependencies and runs the tests on every push and pull request.', where];
  if (ci.neonBranchPerPullRequest) {
    lines.push(
      'When the repository has the secret NEON_API_KEY and the variable NEON_PROJECT_ID,',
      'a pull request gets a Neon branch of its own, deleted when it closes.',
      'Pull requests from forks get no secrets: they skip the Neon branch and run on',
      ci.database.kind === 'service' ? `the ${ci.database.label} service.` : 'the embedded database.',
    );
  } else {
    lines.push('It uses no secrets, so pull requests from forks run it the same way.');
  }
  lines.push('Each action is pinned to a full commit SHA, its version in the comment.');
  return lines;
}

/** The workflow as data: what ciWorkflow writes. */
export function ciWorkflowData(ci: CiNeeds, pm: PackageManager, pmVersion?: string): Record<string, unknown> {
  const url = databaseUrl(ci);
  const withDatabase = (script: string): Step => ({ run: runScript(pm, script), ...(url ? { env: { DATABASE_URL: url } } : {}) });
  // On the embedded database the tests prepare their own data: `before` is for a Neon branch only.
  const embedded = ci.database.kind === 'embedded';
  const before = embedded && !ci.neonBranchPerPullRequest ? [] : (ci.before ?? []);
  const beforeStep = (script: string): Step => ({ ...(embedded ? { if: "steps.neon.outputs.db_url != ''" } : {}), ...withDatabase(script) });
  const steps: Step[] = [
    { uses: uses(ACTIONS.checkout), with: { 'persist-credentials': false } },
    ...toolSteps(pm, pmVersion),
    // Before any secret or database URL exists: install scripts see neither.
    { run: frozenInstallCommand(pm) },
    ...(ci.neonBranchPerPullRequest ? neonBranchSteps() : []),
    ...before.map(beforeStep),
    withDatabase('test'),
  ];
  const service =
    ci.database.kind === 'service'
      ? {
          services: {
            postgres: {
              image: ci.database.image,
              env: { POSTGRES_USER: 'postgres', POSTGRES_PASSWORD: 'postgres', POSTGRES_DB: 'app' },
              ports: ['5432:5432'],
              options: '--health-cmd pg_isready --health-interval 5s --health-timeout 5s --health-retries 20',
            },
          },
        }
      : {};
  const jobs: Record<string, unknown> = {
    test: {
      ...(ci.neonBranchPerPullRequest ? { if: "github.event.action != 'closed'" } : {}),
      'runs-on': RUNNER,
      'timeout-minutes': 20,
      ...service,
      steps,
    },
  };
  if (ci.neonBranchPerPullRequest) {
    jobs['delete-neon-branch'] = {
      if: `github.event_name == 'pull_request' && github.event.action == 'closed' && ${SAME_REPOSITORY} && ${NEON_CONFIGURED}`,
      'runs-on': RUNNER,
      'timeout-minutes': 5,
      steps: [
        {
          uses: uses(ACTIONS.deleteNeonBranch),
          with: { project_id: '${{ vars.NEON_PROJECT_ID }}', branch: BRANCH_NAME, api_key: '${{ secrets.NEON_API_KEY }}' },
        },
      ],
    };
  }
  return {
    name: 'CI',
    on: { push: null, pull_request: ci.neonBranchPerPullRequest ? { types: ['opened', 'synchronize', 'reopened', 'closed'] } : null },
    permissions: { contents: 'read' },
    jobs,
  };
}

/** The workflow file's text. */
export function ciWorkflow(ci: CiNeeds, pm: PackageManager, pmVersion?: string): string {
  const doc = new Document(ciWorkflowData(ci, pm, pmVersion));
  doc.commentBefore = header(ci)
    .map((line) => ` ${line}`)
    .join('\n');
  const versions = new Map(Object.values(ACTIONS).map((a: PinnedAction) => [uses(a), a.version]));
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === 'uses' && isScalar(pair.value)) pair.value.comment = ` ${versions.get(String(pair.value.value))}`;
    },
    Scalar(_, node) {
      // A port mapping is a number in base 60 to a YAML 1.1 reader: quoted, it is text to every reader.
      if (typeof node.value === 'string' && /^\d+:\d+$/.test(node.value)) node.type = 'QUOTE_SINGLE';
    },
  });
  return doc.toString({ nullStr: '', lineWidth: 0 });
}
