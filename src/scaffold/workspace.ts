// The project directory while it is being written. If anything fails or the
// user interrupts, rollback() leaves the disk as it was: a directory we created
// is removed, and in a directory that already existed only what we added goes.

import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

export class Workspace {
  readonly dir: string;
  /** The top-most directory this run created, if any. */
  private createdRoot: string | undefined;
  /** Entries of a pre-existing directory before we wrote. */
  private readonly before: Set<string> | undefined;
  private active = false;
  private undone: string | undefined;

  constructor(dir: string) {
    this.dir = dir;
    this.before = existsSync(dir) ? new Set(readdirSync(dir)) : undefined;
  }

  begin(): void {
    if (!this.before) {
      let root = this.dir;
      while (!existsSync(path.dirname(root))) root = path.dirname(root);
      mkdirSync(this.dir, { recursive: true });
      this.createdRoot = root;
    }
    this.active = true;
  }

  /** The project is complete: nothing will be rolled back any more. */
  commit(): void {
    this.active = false;
  }

  /**
   * Undoes what this run wrote, once; says what was undone (now or by an
   * earlier call). Synchronous, so it also works from a signal handler.
   */
  rollback(): string | undefined {
    if (!this.active) return this.undone;
    this.active = false;
    if (this.createdRoot) {
      rmSync(this.createdRoot, { recursive: true, force: true });
      this.undone = `removed ${this.createdRoot}`;
    } else {
      for (const entry of readdirSync(this.dir)) {
        if (!this.before?.has(entry)) rmSync(path.join(this.dir, entry), { recursive: true, force: true });
      }
      this.undone = `removed what was written to ${this.dir}`;
    }
    return this.undone;
  }
}
