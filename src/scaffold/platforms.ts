// What differs between the platforms a template deploys to: where DATABASE_URL
// lives locally, and how it becomes a production secret.

export interface Platform {
  label: string;
  /** Git-ignored file (mode 0600) holding DATABASE_URL on this machine. */
  envFile: string;
  /** The platform's CLI, and its arguments to store DATABASE_URL (the value goes on stdin). */
  cli: string;
  secretArgs: readonly string[];
  /** The same, as a user types it. */
  secretCommand: string;
  /** Steps before the secret command can work, for when it did not. */
  loginCommand: string;
  notLoggedIn: RegExp;
  /** Vercel only: the directory must be linked to a project first. */
  notLinked?: { pattern: RegExp; command: string };
  installHint: string;
}

export const PLATFORMS = {
  cloudflare: {
    label: 'Cloudflare',
    envFile: '.dev.vars',
    cli: 'wrangler',
    secretArgs: ['secret', 'put', 'DATABASE_URL'],
    secretCommand: 'npx wrangler secret put DATABASE_URL',
    loginCommand: 'npx wrangler login',
    notLoggedIn: /not (currently )?(logged|authenticated)|wrangler login|CLOUDFLARE_API_TOKEN|authentication error|\[code: 10000\]/i,
    installHint: 'install dependencies first',
  },
  vercel: {
    label: 'Vercel',
    envFile: '.env.local',
    cli: 'vercel',
    secretArgs: ['env', 'add', 'DATABASE_URL', 'production'],
    // The templates install the Vercel CLI as a devDependency, as wrangler is.
    secretCommand: 'npx vercel env add DATABASE_URL production',
    loginCommand: 'npx vercel login',
    notLoggedIn: /no existing credentials|vercel login|not (currently )?logged in|invalid token|missing token/i,
    notLinked: { pattern: /isn.t linked|not linked|vercel link/i, command: 'npx vercel link' },
    installHint: 'install dependencies first',
  },
} as const satisfies Record<string, Platform>;

export type PlatformName = keyof typeof PLATFORMS;
