// Runs inside the edge runtime (workerd, Vercel Edge). When DATABASE_URL points
// at this machine, the driver must talk to the local proxy over plain ws:// and
// http:// instead of Neon's TLS endpoints. Neon hosts keep the driver's fast
// defaults (TLS WebSocket, pipelined connect).
//
// The driver's `neonConfig` is passed in rather than imported, so this file
// never pulls in a second copy of the driver.

/** The settings this file writes on the driver's `neonConfig`. */
export interface NeonConfigStatic {
  wsProxy: string | ((host: string, port: number | string) => string) | undefined;
  useSecureWebSocket: boolean;
  pipelineTLS: boolean;
  pipelineConnect: string | false;
  fetchEndpoint: unknown;
}

export const DEFAULT_LOCAL_PROXY = '127.0.0.1:4444';

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Returns true when the local proxy is in use. Safe to call on every request. */
export function configureNeonDriver(
  neonConfig: NeonConfigStatic,
  databaseUrl: string,
  localProxy: string = DEFAULT_LOCAL_PROXY,
): boolean {
  let host: string;
  try {
    host = new URL(databaseUrl).hostname;
  } catch {
    return false; // the driver reports the bad URL itself
  }
  if (!isLoopback(host)) return false;
  const proxy = localProxy || DEFAULT_LOCAL_PROXY;
  neonConfig.wsProxy = (h, port) => `${proxy}/v1?address=${h}:${port || 5432}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  // The local proxy asks for the password and authenticates to Postgres itself,
  // as Neon's does, so pipelining would work; on loopback it saves nothing, and
  // step by step a wrong password fails connect() rather than the first query.
  neonConfig.pipelineConnect = false;
  neonConfig.fetchEndpoint = `http://${proxy}/sql`;
  return true;
}
