// Secrets must never reach the terminal: any text from a child process that
// saw the database URL passes through here before it is printed.

export function redact(text: string, databaseUrl: string | undefined): string {
  if (!databaseUrl) return text;
  const secrets = new Set<string>([databaseUrl]);
  try {
    const { password } = new URL(databaseUrl);
    if (password) {
      secrets.add(password);
      secrets.add(decodeURIComponent(password));
    }
  } catch {
    // not a URL: the whole value is the secret
  }
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret) out = out.split(secret).join('****');
  }
  return out;
}
