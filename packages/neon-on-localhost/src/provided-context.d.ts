// What neon-local/vitest-setup.ts hands to the tests through inject().
declare module 'vitest' {
  interface ProvidedContext {
    databaseUrl: string;
    neonLocalProxy: string;
  }
}
export {};
