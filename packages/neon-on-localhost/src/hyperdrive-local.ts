// Cloudflare Hyperdrive has no local service: in `wrangler dev` and the vitest
// plugin a binding connects straight to the database named by
// CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_<BINDING>. Setting it from
// DATABASE_URL (.dev.vars, or the embedded database, which listens on TCP)
// keeps the connection string, password included, out of wrangler.jsonc.

/** The binding the templates use; others can set their own variable. */
export const HYPERDRIVE_BINDING = 'HYPERDRIVE';
export const HYPERDRIVE_LOCAL_VARIABLE = `CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_${HYPERDRIVE_BINDING}`;

/** Sets the HYPERDRIVE binding's local connection to `databaseUrl`, unless the environment already chose one. */
export function setHyperdriveLocalConnection(env: NodeJS.ProcessEnv, databaseUrl: string): void {
  if (databaseUrl && !env[HYPERDRIVE_LOCAL_VARIABLE]) env[HYPERDRIVE_LOCAL_VARIABLE] = databaseUrl;
}
