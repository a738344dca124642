// Every question, asked before anything is written. A question answered by a
// flag is printed as if it had been asked; with --yes, or without a terminal,
// a question with a default takes it, and one without fails naming its flag.

import path from 'node:path';
import type { ConnectionProblem } from 'neon-on-localhost/connection-problem';
import type { Answers, Context } from './context.ts';
import { checkConnection } from './database-check.ts';
import { CliError } from './errors.ts';
import { refuseSecret } from './hyperdrive.ts';
import { DIR_QUESTION, question } from './options.ts';
import { NEON_NEW_CHOICE, NeonNewOffer } from './neon-new.ts';
import { detectPackageManager, packageManagerVersion } from './package-manager.ts';
import { secretTimeoutSeconds } from './secret.ts';
import { CLONE_VARIABLE, insideCloneProblem, targetProblem } from './target-dir.ts';
import { ORMS, type Orm, recommendation, type Template } from './template-config.ts';
import { DEFAULT_TEMPLATE, TEMPLATES } from './templates.ts';
import { isLocalDatabaseUrl, maskDatabaseUrl, projectNameFor, validateDatabaseUrl, validateTemplateName } from './validate.ts';

export const DEFAULT_DIR = 'my-neon-app';

interface Question<T> {
  /** The question as a prompt shows it. */
  message: string;
  /** The value from a flag (or environment), if any. */
  given: T | undefined;
  /** How to print an answer. */
  show: (value: T) => string;
  /** Checked for flag values; prompts re-ask instead. */
  validate?: (value: T) => string | undefined;
  /** Taken with --yes, or without a terminal unless `needsFlag`. */
  fallback: T;
  /** Without a terminal and without --yes, fail with this hint instead of taking the fallback. */
  needsFlag?: string;
  ask: () => Promise<T>;
}

async function answer<T>(ctx: Context, q: Question<T>): Promise<T> {
  if (q.given !== undefined) {
    const problem = q.validate?.(q.given);
    if (problem) throw new CliError(problem);
    ctx.log.answered(q.message, q.show(q.given));
    return q.given;
  }
  if (ctx.args.yes || !ctx.interactive) {
    if (!ctx.args.yes && q.needsFlag) throw new CliError(`No terminal to ask "${q.message}": ${q.needsFlag} (or --yes).`);
    const problem = q.validate?.(q.fallback);
    if (problem) throw new CliError(problem);
    ctx.log.answered(q.message, `${q.show(q.fallback)} (default)`);
    return q.fallback;
  }
  return q.ask();
}

const yesNo = (value: boolean) => (value ? 'yes' : 'no');

export async function askProjectDir(ctx: Context): Promise<{ targetDir: string; displayDir: string; projectName: string }> {
  const problem = (dir: string) =>
    dir.trim() === ''
      ? 'Please enter a directory name.'
      : (insideCloneProblem(path.resolve(ctx.cwd, dir), ctx.env[CLONE_VARIABLE]) ?? targetProblem(path.resolve(ctx.cwd, dir), dir, ctx.args.force));
  const dir = await answer(ctx, {
    message: DIR_QUESTION,
    given: ctx.args.dir,
    show: (d) => d,
    validate: problem,
    fallback: DEFAULT_DIR,
    needsFlag: 'pass the project directory as the first argument',
    ask: () => ctx.prompt.text({ message: DIR_QUESTION, placeholder: `./${DEFAULT_DIR}`, defaultValue: DEFAULT_DIR, validate: problem }),
  });
  const targetDir = path.resolve(ctx.cwd, dir);
  const projectName = projectNameFor(targetDir);
  if (projectName !== path.basename(targetDir)) ctx.log.info(`Package name: ${projectName}`);
  return { targetDir, displayDir: shownDir(ctx.cwd, targetDir, dir), projectName };
}

/**
 * How next steps name the project folder: relative to where the user is, as
 * typed when it is absolute or outside (`/tmp/app`, not `../../tmp/app`).
 */
function shownDir(cwd: string, targetDir: string, typed: string): string {
  const relative = path.relative(cwd, targetDir);
  if (relative === '') return '.';
  if (path.isAbsolute(typed) || relative.startsWith('..')) return targetDir;
  return relative;
}

export async function askTemplate(ctx: Context): Promise<Template> {
  const name = await answer(ctx, {
    message: question('template'),
    given: ctx.args.template,
    show: (n) => n,
    validate: (n) => validateTemplateName(n, TEMPLATES),
    fallback: DEFAULT_TEMPLATE,
    needsFlag: 'pass --template <name>',
    ask: () =>
      ctx.prompt.select({
        message: question('template'),
        // The recommendation is in the label, which every row shows (the hint shows only on the highlighted one).
        options: TEMPLATES.map((t) => ({ value: t.name, label: t.recommended ? `${t.name} (${recommendation(t)})` : t.name, hint: t.description })),
        initialValue: DEFAULT_TEMPLATE,
      }),
  });
  return TEMPLATES.find((t) => t.name === name) as Template;
}

export const EMBEDDED_CHOICE = 'embedded local database (PGlite) for now';

/** The prompt for the connection string once "Neon or another Postgres" is chosen: an empty answer goes back. */
export const URL_QUESTION = 'Connection string (DATABASE_URL)? Leave empty to go back.';

/**
 * The connection string, or undefined for none. Templates that run on the
 * embedded database (PGlite) offer it as the first choice; no URL means it.
 * Asked or given by flag, the question has one label and the URL is shown
 * with only its password masked.
 */
export async function askDatabaseUrl(
  ctx: Context,
  template: Template,
  neonNew = new NeonNewOffer(ctx),
  status: DatabaseStatus = {},
  where = `DATABASE_URL in ${template.platform.envFile}`,
): Promise<string | undefined> {
  const message = question('database-url');
  if (ctx.args.neonNew) {
    if (ctx.args.databaseUrl !== undefined) throw new CliError('--neon-new and --database-url both choose the database: keep one.');
    const created = await neonNew.create(template, false);
    if ('problem' in created) throw new CliError(created.problem);
    ctx.log.answered(message, `${maskDatabaseUrl(created.db.pooledUrl)} (a new Neon database)`);
    return created.db.pooledUrl;
  }
  const fromFlag = ctx.args.databaseUrl ?? ctx.env.DATABASE_URL;
  const none = template.embeddedDatabase ? EMBEDDED_CHOICE : `not set: add it to ${template.platform.envFile} later`;
  const validate = (url: string) => (url === '' ? undefined : validateDatabaseUrl(url));
  const askForUrl = (prompt: string) => ctx.prompt.password({ message: prompt, validate, shown: (u) => (u ? maskDatabaseUrl(u) : none) });
  // The choices: the embedded database (when the template runs on it), a new Neon
  // database (when neon.new answers), or a pasted URL; an empty paste goes back.
  let offerNeonNew: boolean | undefined;
  const chooseDatabase = async (initialValue?: string): Promise<string> => {
    offerNeonNew ??= await neonNew.available();
    if (!template.embeddedDatabase && !offerNeonNew) {
      return askForUrl(`${message} Paste a Postgres connection string (DATABASE_URL), or leave empty to set it later.`);
    }
    const choice = await ctx.prompt.select({
      message,
      options: [
        ...(template.embeddedDatabase
          ? [{ value: 'embedded', label: 'An embedded local database for now', hint: 'PGlite; no account needed; switch to Neon any time' }]
          : []),
        ...(offerNeonNew ? [{ value: 'neon-new', label: NEON_NEW_CHOICE, hint: 'neon.new; PostGIS available' }] : []),
        { value: 'url', label: 'Neon or another Postgres', hint: 'paste a connection string' },
      ],
      initialValue: initialValue ?? (template.embeddedDatabase ? 'embedded' : 'neon-new'),
    });
    if (choice === 'neon-new') {
      const created = await neonNew.create(template, true);
      if ('db' in created) return created.db.pooledUrl;
      ctx.log.warn(created.problem);
      offerNeonNew = false;
      return chooseDatabase();
    }
    if (choice !== 'url') return '';
    const url = await askForUrl(URL_QUESTION);
    // Nothing pasted: back to the choice, as create-cloudflare's "Go back".
    return url === '' ? chooseDatabase('url') : reachableOrKept(url);
  };
  // A pasted URL is tried at once: on failure, the reason, and paste it again, keep it, or choose another database.
  const reachableOrKept = async (url: string): Promise<string> => {
    status.problem = await checkConnection(ctx, url, where);
    if (!status.problem) return url;
    const next = await ctx.prompt.select({
      message: `Could not connect: ${status.problem.cause}. What now?`,
      options: [
        { value: 'again', label: 'Paste the connection string again' },
        { value: 'keep', label: 'Keep it', hint: `the project is written with it; fix it in ${template.platform.envFile} later` },
        { value: 'back', label: 'Choose another database' },
      ],
      initialValue: 'again',
    });
    if (next === 'keep') return url;
    status.problem = undefined;
    if (next === 'back') return chooseDatabase('url');
    const again = await askForUrl(URL_QUESTION);
    return again === '' ? chooseDatabase('url') : reachableOrKept(again);
  };
  const url = await answer(ctx, {
    message,
    given: fromFlag,
    show: (u) => (u ? maskDatabaseUrl(u) : none),
    validate,
    fallback: '',
    ask: () => chooseDatabase(),
  });
  if (fromFlag !== undefined && url !== '') {
    // Given, not asked: said now and at the end, but the project is written as asked.
    status.problem = await checkConnection(ctx, url, where);
    if (status.problem) ctx.log.warn(`Could not connect: ${status.problem.cause}. The project is written anyway; the end of the run says what to fix.`);
  }
  return url === '' ? undefined : url;
}

/** What askDatabaseUrl found when it tried the connection string (none for a new Neon database or no URL). */
export interface DatabaseStatus {
  problem?: ConnectionProblem;
}

export async function askConfirm(ctx: Context, message: string, given: boolean | undefined, fallback: boolean): Promise<boolean> {
  return answer(ctx, {
    message,
    given,
    show: yesNo,
    fallback,
    ask: () => ctx.prompt.confirm({ message, initialValue: fallback }),
  });
}

export async function askSecret(ctx: Context, template: Template, databaseUrl: string | undefined): Promise<boolean> {
  const message = question('secret');
  if (template.production.kind !== 'secret') {
    // Production reads a binding, not a secret: see hyperdrive.ts.
    if (ctx.args.secret) refuseSecret(template);
    return false;
  }
  if (!databaseUrl) {
    if (ctx.args.secret) throw new CliError('--secret needs a database URL: pass --database-url (or set DATABASE_URL).');
    return false;
  }
  if (isLocalDatabaseUrl(databaseUrl)) {
    if (ctx.args.secret) {
      throw new CliError('--secret with a local database URL would deploy an address only this machine can reach: pass a Neon URL or drop --secret.');
    }
    return false;
  }
  return askConfirm(ctx, message, ctx.args.secret, false);
}

/** Only for templates with data, a database URL that answered, and dependencies to run the loader. */
export async function askDbSetup(ctx: Context, template: Template, databaseUrl: string | undefined, install: boolean, reachable = true): Promise<boolean> {
  // An unreachable database is not asked about: the end of the run says to run db:setup once it is fixed.
  if (template.dbSetup && databaseUrl && install && !reachable) return false;
  if (!template.dbSetup || !databaseUrl || !install) {
    if (ctx.args.dbSetup && template.dbSetup) {
      throw new CliError(
        !databaseUrl ? '--db-setup needs a database URL: pass --database-url (or set DATABASE_URL).' : '--db-setup needs the dependencies: drop --no-install.',
      );
    }
    return false;
  }
  return askConfirm(ctx, question('db-setup'), ctx.args.dbSetup, true);
}

/** `--orm`: asked only for templates that have an ORM variant (default none); a flag naming one it lacks is an error. */
export async function askOrm(ctx: Context, template: Template): Promise<Orm> {
  const offered = ORMS.filter((orm) => orm === 'none' || template.orms[orm]);
  const problem = (orm: Orm) =>
    offered.includes(orm) ? undefined : `The ${template.name} template has no ${orm} variant yet: use --orm ${offered.join(' or --orm ')}.`;
  // Nothing to choose: the question would have a single answer.
  if (ctx.args.orm === undefined && offered.length === 1) return 'none';
  return answer(ctx, {
    message: question('orm'),
    given: ctx.args.orm,
    show: (orm) => (orm === 'none' ? 'none (SQL)' : orm),
    validate: problem,
    fallback: 'none',
    ask: async () =>
      (await ctx.prompt.select({
        message: question('orm'),
        options: [
          { value: 'none', label: 'None: SQL', hint: 'plain SQL migrations in migrations/' },
          ...offered
            .filter((o) => o !== 'none')
            .map((o) => ({ value: o, label: 'Drizzle ORM', hint: 'schema in TypeScript; drizzle-kit writes the migrations' })),
        ],
        initialValue: 'none',
      })) as Orm,
  });
}

/** All questions, in order. Nothing is written until this returns. */
export async function askAll(ctx: Context): Promise<Answers> {
  const target = await askProjectDir(ctx);
  const template = await askTemplate(ctx);
  const orm = await askOrm(ctx, template);
  const neonNew = new NeonNewOffer(ctx);
  const status: DatabaseStatus = {};
  const databaseUrl = await askDatabaseUrl(ctx, template, neonNew, status, `DATABASE_URL in ${path.join(target.displayDir, template.platform.envFile)}`);
  const install = await askConfirm(ctx, question('install'), ctx.args.install, true);
  const packageManager = ctx.args.packageManager ?? detectPackageManager(ctx.env.npm_config_user_agent);
  const pmVersion = packageManagerVersion(ctx.env.npm_config_user_agent, packageManager);
  const dbSetup = await askDbSetup(ctx, template, databaseUrl, install, !status.problem);
  const agents = await askConfirm(ctx, question('agents'), ctx.args.agents, true);
  const ci = await askConfirm(ctx, question('ci'), ctx.args.ci, true);
  const git = await askConfirm(ctx, question('git'), ctx.args.git, true);
  const secret = await askSecret(ctx, template, databaseUrl);
  if (secret) secretTimeoutSeconds(ctx.env); // a bad value fails now, before anything is written
  return {
    ...target,
    template,
    databaseUrl,
    ...(status.problem ? { databaseProblem: status.problem } : {}),
    neonNew: neonNew.created,
    ...(orm === 'none' ? {} : { orm }),
    install,
    packageManager,
    ...(pmVersion ? { packageManagerVersion: pmVersion } : {}),
    dbSetup,
    agents,
    ci,
    git,
    secret,
  };
}
