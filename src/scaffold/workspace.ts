// The project directory while it is being written. If anything fails or the
// user interrupts, rollback() leaves the disk as it was: a directory we created
// is removed, and a directory that already existed gets back exactly what it
// had: what we added goes, and files we overwrote are restored.

import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

type Saved = { kind: 'file'; content: Buffer; mode: number } | { kind: 'symlink'; target: string };

export class Workspace {
  readonly dir: string;
  /** The top-most directory this run created, if any. */
  private createdRoot: string | undefined;
  /** Entries of a pre-existing directory before we wrote. */
  private readonly before: Set<string> | undefined;
  /** In a pre-existing directory: files about to be overwritten, as they were. */
  private readonly saved = new Map<string, Saved>();
  /** In a pre-existing directory: paths about to be written that did not exist. */
  private readonly added = new Set<string>();
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

  /**
   * Announces the files (relative to the directory) that are about to be
   * written, so that rollback can restore the ones that already existed and
   * remove the others, with the folders made for them. Only needed in a
   * directory that already existed (--force); a new one is removed whole.
   */
  preserve(files: readonly string[]): void {
    if (this.createdRoot || !this.active) return;
    for (const file of files) {
      const parts = path.normalize(file).split(path.sep).filter(Boolean);
      for (let i = 1; i <= parts.length; i++) {
        const rel = parts.slice(0, i).join(path.sep);
        if (this.added.has(rel)) break;
        if (this.saved.has(rel)) continue;
        let stats;
        try {
          stats = lstatSync(path.join(this.dir, rel));
        } catch {
          this.added.add(rel); // missing: everything below it is ours too
          break;
        }
        if (i < parts.length) continue; // a folder on the way that already exists
        const full = path.join(this.dir, rel);
        if (stats.isSymbolicLink()) this.saved.set(rel, { kind: 'symlink', target: readlinkSync(full) });
        else if (stats.isFile()) this.saved.set(rel, { kind: 'file', content: readFileSync(full), mode: stats.mode & 0o7777 });
      }
    }
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
      return this.undone;
    }
    const problems: string[] = [];
    const attempt = (what: () => void, rel: string) => {
      try {
        what();
      } catch (err) {
        problems.push(`${rel} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
    };
    for (const entry of readdirSync(this.dir)) {
      if (!this.before?.has(entry)) attempt(() => rmSync(path.join(this.dir, entry), { recursive: true, force: true }), entry);
    }
    for (const rel of this.added) attempt(() => rmSync(path.join(this.dir, rel), { recursive: true, force: true }), rel);
    for (const [rel, saved] of this.saved) {
      const full = path.join(this.dir, rel);
      attempt(() => {
        rmSync(full, { recursive: true, force: true });
        mkdirSync(path.dirname(full), { recursive: true });
        if (saved.kind === 'symlink') return symlinkSync(saved.target, full);
        writeFileSync(full, saved.content, { mode: saved.mode });
        chmodSync(full, saved.mode);
      }, rel);
    }
    this.undone = `removed what was written to ${this.dir}${this.saved.size ? ` and restored the ${this.saved.size} file(s) it overwrote` : ''}`;
    if (problems.length) this.undone += `, except ${problems.join(', ')}`;
    return this.undone;
  }
}
