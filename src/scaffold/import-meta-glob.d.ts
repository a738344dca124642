// Vite's import.meta.glob, as template-registry.ts uses it (eager, one named
// export): typed here rather than through vite/client, which declares much else.
interface ImportMeta {
  glob<T>(pattern: string, options: { eager: true; import: string }): Record<string, T>;
}
