// Lucia v2 (2.7.7) on Node.js, validating sessions that lucia-core stored in PostgreSQL.
//
//   node bench.mjs --url postgresql://... --schema bench --sessions ids.txt|id1,id2,...
//                  [--concurrency 16] [--duration-ms 5000] [--warmup-ms 1000] [--pool-max N]
//
// The tables are <schema>.auth_user, <schema>.user_key and <schema>.user_session (Lucia v2's
// names, as lucia-core's postgres schema function creates them). The adapter leaves a table name
// that contains a "." unquoted, so the schema must be a lower-case unquoted identifier.
// `concurrency` loops run auth.validateSession(id) back to back over the ids (each loop starting
// at its own offset) for the warm-up, then again for the measured duration. pg.Pool gets
// max = concurrency unless --pool-max says otherwise; note that the adapter's getSessionAndUser
// runs two queries at once (the session row, and the user joined to it), so each validation
// holds up to two pooled connections.
// Prints one JSON line on stdout. Any failed validation (an error, or a session that came back
// renewed, which means a write happened) makes it print the count and first error on stderr and
// exit with status 1.

import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { pg as pgAdapter } from "@lucia-auth/adapter-postgresql";
import { lucia } from "lucia";
import pg from "pg";

// Some of these packages do not export their package.json, so it is read from node_modules.
const version = (name) =>
  JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url), "utf8")).version;

const fail = (message) => {
  process.stderr.write(`bench.mjs: ${message}\n`);
  process.exit(2);
};

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    schema: { type: "string" },
    sessions: { type: "string" },
    concurrency: { type: "string", default: "16" },
    "duration-ms": { type: "string", default: "5000" },
    "warmup-ms": { type: "string", default: "1000" },
    "pool-max": { type: "string" },
  },
  strict: true,
});

const integer = (name, minimum) => {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < minimum) fail(`--${name} must be an integer >= ${minimum}`);
  return value;
};

if (!args.url) fail("--url is required");
if (!args.schema || !/^[a-z_][a-z0-9_]*$/.test(args.schema)) {
  fail("--schema is required and must match [a-z_][a-z0-9_]*");
}
if (!args.sessions) fail("--sessions is required (a file with one id per line, or a comma list)");
const concurrency = integer("concurrency", 1);
const durationMs = integer("duration-ms", 1);
const warmupMs = integer("warmup-ms", 0);
const poolMax = args["pool-max"] === undefined ? concurrency : integer("pool-max", 1);

const source = existsSync(args.sessions) ? readFileSync(args.sessions, "utf8").split(/\r?\n/) : args.sessions.split(",");
const sessionIds = source.map((id) => id.trim()).filter((id) => id.length > 0);
if (sessionIds.length === 0) fail("no session ids given");

const pool = new pg.Pool({ connectionString: args.url, max: poolMax });
const auth = lucia({
  env: "DEV",
  adapter: pgAdapter(pool, {
    user: `${args.schema}.auth_user`,
    key: `${args.schema}.user_key`,
    session: `${args.schema}.user_session`,
  }),
});

const errors = { count: 0, first: null };

const validateOne = async (id) => {
  try {
    const session = await auth.validateSession(id);
    if (session.fresh || session.state !== "active" || session.sessionId !== id) {
      throw new Error(`session ${id.slice(0, 6)}... came back ${session.state}, fresh=${session.fresh}`);
    }
  } catch (error) {
    errors.count += 1;
    errors.first ??= error;
  }
};

// Runs `concurrency` loops until `ms` have passed; with `latencies`, records each call in ns.
const runPhase = async (ms, latencies) => {
  const deadline = performance.now() + ms;
  let validations = 0;
  const loop = async (worker) => {
    let index = Math.floor((worker * sessionIds.length) / concurrency);
    while (performance.now() < deadline) {
      const id = sessionIds[index];
      index = (index + 1) % sessionIds.length;
      const started = process.hrtime.bigint();
      await validateOne(id);
      if (latencies) latencies.push(Number(process.hrtime.bigint() - started));
      validations += 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, worker) => loop(worker)));
  return { validations, seconds: (performance.now() - started) / 1000 };
};

const percentile = (sorted, fraction) => {
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank];
};

try {
  // One validation first: a broken set-up fails here, before any timing.
  await validateOne(sessionIds[0]);
  if (errors.count === 0 && warmupMs > 0) await runPhase(warmupMs, null);
  if (errors.count > 0) {
    fail(`validation failed before timing (${errors.count} errors); first: ${errors.first?.message ?? errors.first}`);
  }
  const latencies = [];
  const { validations, seconds } = await runPhase(durationMs, latencies);
  if (errors.count > 0) {
    process.stderr.write(
      `bench.mjs: ${errors.count} of ${validations} validations failed; first: ${errors.first?.message ?? errors.first}\n`,
    );
    process.exitCode = 1;
  } else {
    const sorted = Float64Array.from(latencies).sort();
    const result = {
      validations,
      seconds,
      p50_ms: percentile(sorted, 0.5) / 1e6,
      p99_ms: percentile(sorted, 0.99) / 1e6,
      node: process.versions.node,
      lucia: version("lucia"),
      adapter: version("@lucia-auth/adapter-postgresql"),
      pg: version("pg"),
      concurrency,
      pool_max: poolMax,
      errors: 0,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
} finally {
  await pool.end();
}
