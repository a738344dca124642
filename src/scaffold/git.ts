// One repository with one first commit, and never a commit in someone
// else's repository: inside an existing work tree, git is left alone.

import type { Context } from './context.ts';
import { runCommand } from './exec.ts';

export const INITIAL_COMMIT_MESSAGE = 'Initial commit from create-neon-edge';

export async function initGit(ctx: Pick<Context, 'log'>, dir: string): Promise<void> {
  const inside = await runCommand('git', ['rev-parse', '--is-inside-work-tree'], { cwd: dir });
  if (inside.missing) {
    ctx.log.warn('git is not installed: no repository was created (run `git init` later).');
    return;
  }
  if (inside.code === 0 && inside.output.trim() === 'true') {
    ctx.log.info('Already inside a git repository: left it alone (no init, no commit).');
    return;
  }
  const init = await runCommand('git', ['init', '--quiet'], { cwd: dir });
  if (init.code !== 0) {
    ctx.log.warn(`git init failed: ${init.output.trim().split('\n')[0]}`);
    return;
  }
  await runCommand('git', ['add', '--all'], { cwd: dir });
  const commit = await runCommand('git', ['commit', '--quiet', '--no-verify', '-m', INITIAL_COMMIT_MESSAGE], { cwd: dir });
  if (commit.code !== 0) {
    ctx.log.warn(
      'git could not commit (is user.name/user.email set? `git config --global user.email you@example.com`): the repository is initialised, commit when ready.',
    );
    return;
  }
  ctx.log.success('Initialised a git repository with a first commit.');
}
