// The programmatic API: start the proxy or an embedded Postgres from your own
// scripts and test setups. The driver helper lives in 'neon-on-localhost/driver'
// (safe to bundle into edge code); the vitest global setup in 'neon-on-localhost/vitest'.

export { errorMessage, redact } from './redact.ts';
export { configureNeonDriver, DEFAULT_LOCAL_PROXY, PROXY_VARIABLE, type NeonConfigStatic } from './driver.ts';
export { envFileOf, isLocalDatabaseUrl, maskDatabaseUrl, parseEnvFile, readDatabaseUrl, validateDatabaseUrl } from './database-url.ts';
export { EMBEDDED_DATA_DIR, startEmbeddedPostgres, type EmbeddedOptions, type EmbeddedPostgres } from './embedded.ts';
export { openProjectDatabase, startProjectDatabase, type ProjectDatabaseOptions } from './project-database.ts';
export { sessionLimitsFromEnv, startProxy, type LocalProxy, type ProxyOptions } from './proxy.ts';
export { rttFromEnv, startLatencyFront, type LatencyFront, type LatencyFrontOptions } from './latency.ts';
export { spawnProxy, type ProxyProcess } from './spawn-proxy.ts';
export type { ProxyStats } from './stats.ts';
export type { ErrorView, GroupView, LogEvent, QueryLog, StatementView } from './query-log.ts';
export { isLoopbackHost, targetOf } from './targets.ts';
export { applyPendingMigrations, migrate, readMigrationUrl, type MigrateResult } from './migrate.ts';
