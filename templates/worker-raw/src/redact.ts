// Passwords out of log lines, for the app's own logs, in production too.
// Error messages are logged, and logs are kept (wrangler's output, Cloudflare
// and Vercel observability). Some messages quote the connection string: the
// driver's own error for a malformed connection string can repeat it whole,
// password included. Every message the app logs goes through redact() first.
// Imports nothing, so it runs in every runtime and adds only itself to a
// bundle. Projects made by create-neon-edge hold this file as their own code
// (their tests keep the copy identical).

const MASK = '****';

// scheme://user:password@ — the password is whatever lies between the first
// ':' after the user and the '@', so a password with '/', '#' or '?' is
// masked too.
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*):[^\s@]*@/gi;

/** The password in a connection string, even one `new URL` rejects. */
function passwordOf(databaseUrl: string): string | undefined {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^:/?#@]*:(.*)@[^@]*$/is.exec(databaseUrl.trim());
  return match?.[1] || undefined;
}

function spellings(password: string): string[] {
  const forms = new Set([password, encodeURIComponent(password)]);
  try {
    forms.add(decodeURIComponent(password));
  } catch {
    // not valid percent-encoding: the raw form is the one a message can hold
  }
  forms.delete('');
  // Longest first, so a form containing another is masked whole.
  return [...forms].sort((a, b) => b.length - a.length);
}

/** `message` without passwords: userinfo of any URL in it, and DATABASE_URL's password as written, percent-encoded or decoded. */
export function redact(message: string, databaseUrl?: string): string {
  // The literal password first: a malformed one may hold an '@' the pattern would stop at.
  let out = message;
  const password = databaseUrl ? passwordOf(databaseUrl) : undefined;
  if (password) for (const form of spellings(password)) out = out.split(form).join(MASK);
  return out.replace(USERINFO, `$1:${MASK}@`);
}

/** The message of a thrown value, redacted: what a log line may carry. */
export function errorMessage(err: unknown, databaseUrl?: string): string {
  const message = (err as { message?: unknown })?.message;
  return redact(typeof message === 'string' ? message : String(err), databaseUrl);
}
