// Production set-up for templates that reach the database through a Cloudflare
// Hyperdrive binding (template.ts: `production: { kind: 'hyperdrive', binding }`). There is no
// DATABASE_URL secret to store: the Worker gets its connection string from the
// binding, and the binding needs a Hyperdrive configuration holding Neon's
// direct (unpooled) connection string, ideally for a role of its own.
//
// `wrangler hyperdrive create` takes the origin's password only on its command
// line (--connection-string or --origin-password; no stdin, no environment
// variable, no file), where every user of the machine can read it. So the
// scaffolder never runs it with the password: it prints the exact command,
// with the connection string as a shell variable reference, and wrangler
// itself writes the new id into wrangler.jsonc (--binding replaces the
// placeholder entry of that binding).

import { neonConnectionStrings, UNPOOLED_KEY } from 'neon-on-localhost/database-url';
import type { Answers } from './context.ts';
import { CliError } from './errors.ts';
import type { Template } from './template-config.ts';
import { toWorkerName } from './validate.ts';
import { envLine } from './write-project.ts';

/** `--secret` makes no sense with a Hyperdrive binding: say what to do instead, before anything is written. */
export function refuseSecret(template: Pick<Template, 'name' | 'production'>): void {
  if (template.production.kind !== 'hyperdrive') return;
  throw new CliError(
    `--secret: ${template.name} keeps no DATABASE_URL secret in production (the Worker reads the ${template.production.binding} binding): drop --secret and run the wrangler hyperdrive create command from the next steps.`,
  );
}

/** The command a user runs once before the first deploy; the password stays in their shell's variable. */
export function hyperdriveCreateCommand(projectName: string, binding: string): string {
  return `npx wrangler hyperdrive create ${toWorkerName(projectName)} --connection-string="$${UNPOOLED_KEY}" --binding ${binding}`;
}

/** Neon's direct host for a pooled one (ep-…-pooler.region… → ep-….region…), else the host as given. */
export function directHost(databaseUrl: string): string | undefined {
  try {
    return new URL(neonConnectionStrings(databaseUrl).direct).hostname;
  } catch {
    return undefined;
  }
}

/** The next-steps lines for a Hyperdrive binding: the variable (read without echo or history), then the command. */
export function hyperdriveSteps(answers: Pick<Answers, 'projectName' | 'databaseUrl' | 'neonNew'>, envFile: string, binding: string): string[] {
  const create = `${hyperdriveCreateCommand(answers.projectName, binding)}   # writes the id into wrangler.jsonc`;
  if (answers.neonNew && envLine(UNPOOLED_KEY, answers.neonNew.directUrl) === `${UNPOOLED_KEY}=${answers.neonNew.directUrl}\n`) {
    // The new Neon database's direct URL is already in the env file, unquoted: read it from there, unseen.
    return [
      `# Hyperdrive, once before the first deploy, with the Neon database's direct URL (${UNPOOLED_KEY} in ${envFile})`,
      `${UNPOOLED_KEY}="$(sed -n 's/^${UNPOOLED_KEY}=//p' ${envFile})"`,
      create,
    ];
  }
  const host = answers.databaseUrl ? directHost(answers.databaseUrl) : undefined;
  const which = host ? `Neon's direct URL (host ${host}, no -pooler)` : `Neon's direct (not -pooler) URL`;
  return [
    `# Hyperdrive, once before the first deploy: ${which}, ideally for a role of its own`,
    `read -rs ${UNPOOLED_KEY}   # paste it: not echoed, not in your shell history`,
    create,
  ];
}
