// Points Neon's serverless driver at neon-on-localhost's proxy when
// DATABASE_URL is on this machine (plain ws:// and http:// instead of Neon's
// TLS endpoints), and changes nothing for any other host, so production keeps
// the driver's defaults; pipelined connect is on in both. Runs in the edge
// runtimes (workerd, Vercel Edge) and in Node.
//
// It imports nothing, and the driver's `neonConfig` is passed in, so a bundle
// gains these few lines and never a second copy of the driver. Projects made
// by create-neon-edge hold this file as their own code (their tests keep the
// copy identical), so what they deploy imports nothing from the toolkit.

/** The settings this file writes on the driver's `neonConfig`. */
export interface NeonConfigStatic {
  wsProxy: string | ((host: string, port: number | string) => string) | undefined;
  useSecureWebSocket: boolean;
  pipelineTLS: boolean;
  pipelineConnect: string | false;
  fetchEndpoint: unknown;
}

/** Where `neon-on-localhost run` and `serve` listen unless told otherwise. */
export const DEFAULT_LOCAL_PROXY = '127.0.0.1:4444';

/** The variable that tells the code where the local proxy listens when it is not the default. */
export const PROXY_VARIABLE = 'NEON_LOCALHOST_PROXY';

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

function processEnv(): Record<string, unknown> {
  return (globalThis as { process?: { env?: Record<string, unknown> } }).process?.env ?? {};
}

/**
 * Points the driver at the local proxy when the database URL is on this
 * machine, and leaves it alone otherwise. Safe to call on every request.
 *
 *   configureNeonDriver(neonConfig, env)             // a Worker's env, or process.env
 *   configureNeonDriver(neonConfig, url, '127.0.0.1:4444')
 *
 * With an env object, DATABASE_URL and NEON_LOCALHOST_PROXY are read from it.
 */
export function configureNeonDriver(neonConfig: NeonConfigStatic, databaseUrlOrEnv: string | object = processEnv(), localProxy?: string): void {
  let databaseUrl: unknown = databaseUrlOrEnv;
  if (typeof databaseUrlOrEnv === 'object') {
    const env = databaseUrlOrEnv as Record<string, unknown>;
    databaseUrl = env.DATABASE_URL;
    localProxy ??= typeof env[PROXY_VARIABLE] === 'string' ? (env[PROXY_VARIABLE] as string) : undefined;
  }
  if (typeof databaseUrl !== 'string') return;
  let host: string;
  try {
    host = new URL(databaseUrl).hostname;
  } catch {
    return; // the driver reports the bad URL itself
  }
  if (!isLoopback(host)) return;
  const proxy = localProxy || DEFAULT_LOCAL_PROXY;
  neonConfig.wsProxy = (h, port) => `${proxy}/v1?address=${h}:${port || 5432}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  // Pipelined connect, as on Neon: the local proxy asks for the cleartext
  // password and authenticates to Postgres itself, as Neon's does, so startup,
  // password and first query travel together (1 turn instead of 3). A wrong
  // password still fails connect() with Postgres' own error.
  neonConfig.pipelineConnect = 'password';
  neonConfig.fetchEndpoint = `http://${proxy}/sql`;
}
