#!/usr/bin/env node
// neon-on-localhost: Neon's serverless driver against a Postgres on this machine.
//
//   neon-on-localhost run [--requires postgis] <command> [args...]
//   neon-on-localhost serve [--port 4444] [--allow host:port ...] [--embedded <dir>|memory]
//   neon-on-localhost migrate [--dir migrations]
//
// `run` is what a project's `npm start` calls; `serve` runs the proxy alone.

// First: on an old Node, one line saying so, before anything else can fail.
import './node-version.ts';
import { readFileSync } from 'node:fs';
import { PROXY_VARIABLE } from './driver.ts';
import { isWranglerDev } from './wrangler-command.ts';

const USAGE = `neon-on-localhost: Neon's serverless driver against a local Postgres, or an embedded one

Usage:
  neon-on-localhost run [--requires postgis] [--rtt-ms <n>] [--log-queries] [--show-values] <command> [args...]
      Finds DATABASE_URL (environment, .dev.vars, .env.local, .env); without one,
      starts an embedded Postgres (PGlite) kept in .neon-localhost/pgdata. Starts the
      local proxy when the database is on this machine, then runs <command> with
      DATABASE_URL and ${PROXY_VARIABLE} set. \`wrangler dev\` also gets the proxy
      address as a --var. Ctrl-C stops everything it started. Pending migrations
      (migrate, below) are applied first. The proxy's explorer page (its address is
      printed) shows each statement that reaches the database, live.
      --log-queries           also print a line per statement (NEON_LOCALHOST_LOG_QUERIES=1)
      --show-values           show parameter values, hidden by default (NEON_LOCALHOST_SHOW_VALUES=1)

  neon-on-localhost serve [options]
      Runs the proxy alone, in front of DATABASE_URL's host and port.
      --port <n>              where to listen (default 4444; 0 picks a free port)
      --allow <host:port>     a Postgres the proxy may reach (repeatable)
      --embedded <dir|memory> serve an embedded Postgres (PGlite) instead
      --max-connections <n>   open database sessions at once (default 50)
      --queue-timeout-ms <n>  how long a session past the cap waits (default 10000)
      --rtt-ms <n>            make each round trip to the proxy cost n ms, as from an
                              edge location far from the database (default 0; also
                              NEON_LOCALHOST_RTT_MS, for run and the vitest setup too)

  neon-on-localhost migrate [--dir migrations]
      Applies the .sql files in migrations/ not applied yet, in name order, each in
      a transaction with its record in the table neon_on_localhost_migrations (a file
      whose first line is "-- neon-on-localhost: no-transaction" runs statement by
      statement). Uses DATABASE_URL_UNPOOLED, else DATABASE_URL (the two must name
      the same database), else the embedded database.

  neon-on-localhost --version | --help

Point the driver at it with configureNeonDriver(neonConfig, env) from
'neon-on-localhost/driver'. Docs: https://www.npmjs.com/package/neon-on-localhost`;

const [subcommand, ...rest] = process.argv.slice(2);

/** The sub-commands are scripts that read process.argv: hand them their own arguments. */
function handOver(args: string[]): void {
  process.argv = [process.argv[0], process.argv[1], ...args];
}

switch (subcommand) {
  case 'run': {
    const args = [...rest];
    // A Worker reads the proxy address from its env: hand it to `wrangler dev` as a var.
    if (isWranglerDev(args)) args.push('--var', `${PROXY_VARIABLE}:{proxy}`);
    handOver(args);
    await import('./run.ts');
    break;
  }
  case 'serve':
    handOver(rest);
    await import('./serve.ts');
    break;
  case 'migrate':
    handOver(rest);
    await import('./migrate-cli.ts');
    break;
  case '--version':
  case '-v': {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    console.log(pkg.version);
    break;
  }
  case undefined:
  case '--help':
  case '-h':
  case 'help':
    console.log(USAGE);
    break;
  default:
    console.error(`neon-on-localhost: unknown command "${subcommand}": use \`neon-on-localhost run <command>\` or \`neon-on-localhost serve\` (see --help)`);
    process.exitCode = 2;
}
