// `neon-on-localhost run wrangler dev`: wrangler's local server answers any
// Host and any Origin (upstream behaviour), so a web page the developer visits
// could rebind its name to 127.0.0.1 and read the Worker's answers. run keeps
// wrangler's address for itself (--port from the command line, else dev.port
// from wrangler.json/jsonc/toml, else 8787; --ip likewise, else 127.0.0.1)
// and puts a front there with the proxy's rules (dev-server.ts): loopback
// Host at its own port, pages on this machine only. wrangler itself listens on
// a free loopback port behind it. What the front cannot cover (wrangler's own
// ports, workerd's inspector) is in docs/security.md.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseJSONC, parseTOML } from 'confbox';
import { startDevServer, type DevServer } from './dev-server.ts';
import { freeLoopbackPort } from './free-port.ts';
import { createHttpRelay } from './http-relay.ts';

export const WRANGLER_DEFAULT_PORT = 8787;
const CONFIG_FILES = ['wrangler.json', 'wrangler.jsonc', 'wrangler.toml'];

interface AddressArgs {
  port?: string;
  ip?: string;
  config?: string;
  /** The arguments without --port and --ip, which become the front's. */
  rest: string[];
}

/** wrangler's --port/--ip (`--port 1`, `--port=1`) taken out; its --config noted. */
export function addressArgs(args: readonly string[]): AddressArgs {
  const found: AddressArgs = { rest: [] };
  for (let i = 0; i < args.length; i++) {
    const m = /^(--port|--ip|--config|-c)(?:=(.*))?$/.exec(args[i]);
    if (!m) {
      found.rest.push(args[i]);
      continue;
    }
    const value = m[2] ?? args[++i] ?? '';
    if (m[1] === '--port') found.port = value;
    else if (m[1] === '--ip') found.ip = value;
    else {
      found.config = value;
      found.rest.push('--config', value);
    }
  }
  return found;
}

/** dev.port and dev.ip from the project's wrangler config, as wrangler would read them. */
export function configuredAddress(cwd: string, configPath?: string): { port?: string; ip?: string } {
  const file = configPath ? path.resolve(cwd, configPath) : CONFIG_FILES.map((name) => path.join(cwd, name)).find((f) => existsSync(f));
  if (!file || !existsSync(file)) return {};
  let config: { dev?: { port?: unknown; ip?: unknown } };
  try {
    const text = readFileSync(file, 'utf8');
    config = (file.endsWith('.toml') ? parseTOML(text) : parseJSONC(text, { allowTrailingComma: true })) ?? {};
  } catch {
    return {}; // wrangler reports a broken config itself
  }
  const port = config.dev?.port;
  const ip = config.dev?.ip;
  return { port: port === undefined ? undefined : String(port), ip: typeof ip === 'string' ? ip : undefined };
}

export interface WranglerFront {
  front: DevServer;
  /** wrangler's own port, behind the front. */
  innerPort: number;
  /** The arguments to start wrangler dev with: its own address is the inner one. */
  args: string[];
  close(): void;
}

export async function startWranglerFront(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<WranglerFront> {
  const given = addressArgs(args);
  const configured = configuredAddress(cwd, given.config);
  const innerPort = await freeLoopbackPort();
  const relay = createHttpRelay({ host: '127.0.0.1', port: innerPort }, 'wrangler dev');
  const front = await startDevServer(relay.request, {
    port: given.port ?? configured.port,
    defaultPort: WRANGLER_DEFAULT_PORT,
    ip: given.ip ?? (configured.ip === 'localhost' || !configured.ip ? '127.0.0.1' : configured.ip),
    name: 'wrangler dev',
    portSetting: '--port',
    env,
    logRequests: false, // wrangler logs each request itself; refusals are ours to say
    log: (line) => console.log(`[neon-on-localhost] ${line}`),
    upgrade: relay.upgrade,
  }).catch((err: unknown) => {
    relay.close();
    throw err;
  });
  return {
    front,
    innerPort,
    args: [...given.rest, '--ip', '127.0.0.1', '--port', String(innerPort)],
    close() {
      front.close();
      relay.close();
    },
  };
}
