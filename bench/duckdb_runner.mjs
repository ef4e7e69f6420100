// duckdb_runner: the DuckDB side of bench/compare (uses @duckdb/node-api from bench/node_modules).
//
//   node duckdb_runner.mjs load DB.duckdb CSV [--threads T] [--memory-limit SIZE]
//   node duckdb_runner.mjs query DB.duckdb QUERIES.tsv [--runs R] [--threads T] [--memory-limit SIZE]
//   node duckdb_runner.mjs load-events DB.duckdb TYPE=CSV [--threads T] [--memory-limit SIZE]
//
// load: CREATE TABLE profiles AS SELECT ... FROM read_csv(...) with every column typed as the
// retail schema says (int BIGINT, float DOUBLE, timestamp TIMESTAMP parsed from
// YYYY-MM-DDTHH:MM:SSZ, bool BOOLEAN, category and text VARCHAR, tags VARCHAR[] split on '|'
// with empty tags dropped); allow_quoted_nulls=false so "" is the empty string / empty set and
// only an empty unquoted field is NULL, as in profiledb. Then CHECKPOINT. Prints {"rows",
// "load_s", "version"} as JSON.
//
// load-events: CREATE TABLE <TYPE> AS SELECT * FROM read_csv(...) of an event CSV of
// `profiledb gen` (customer_id VARCHAR, at TIMESTAMP, the type's properties typed as in
// EVENT_COLUMNS), then CHECKPOINT. Prints {"type", "rows", "load_s"} as JSON.
//
// query: QUERIES.tsv holds "name<TAB>WHERE-condition" lines; each runs as
// SELECT count(*) FROM profiles WHERE ... once to warm, then R times (default 5). Prints the
// counts, runs, median and minimum in milliseconds as JSON (the same shape as the other runners).
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const COLUMNS = {
  customer_id: 'VARCHAR', email: 'VARCHAR', phone: 'VARCHAR', first_name: 'VARCHAR', last_name: 'VARCHAR',
  country: 'VARCHAR', city: 'VARCHAR', gender: 'VARCHAR', birth_year: 'BIGINT', age: 'BIGINT',
  signup_at: 'TIMESTAMP', last_seen_at: 'TIMESTAMP', loyalty_tier: 'VARCHAR', total_spend: 'DOUBLE',
  order_count: 'BIGINT', interests: 'VARCHAR', consent_email: 'BOOLEAN', consent_sms: 'BOOLEAN',
  consent_ads: 'BOOLEAN', consent_analytics: 'BOOLEAN', is_vip: 'BOOLEAN',
};

// The event types of datasets/retail.schema, typed as the profile columns are.
const EVENT_COLUMNS = {
  purchase: { customer_id: 'VARCHAR', at: 'TIMESTAMP', amount: 'DOUBLE', category: 'VARCHAR', channel: 'VARCHAR' },
  add_to_cart: { customer_id: 'VARCHAR', at: 'TIMESTAMP', sku: 'VARCHAR', price: 'DOUBLE' },
  page_view: { customer_id: 'VARCHAR', at: 'TIMESTAMP', url: 'VARCHAR' },
};

function usage() {
  process.stderr.write('usage: node duckdb_runner.mjs load DB.duckdb CSV [--threads T] [--memory-limit SIZE]\n' +
    '       node duckdb_runner.mjs query DB.duckdb QUERIES.tsv [--runs R] [--threads T] [--memory-limit SIZE]\n' +
    '       node duckdb_runner.mjs load-events DB.duckdb TYPE=CSV [--threads T] [--memory-limit SIZE]\n');
  process.exit(2);
}

function parse(argv) {
  const [command, db, input, ...rest] = argv;
  if (!command || !db || !input) usage();
  const options = { command, db, input, runs: 5, threads: 0, memoryLimit: '' };
  for (let i = 0; i < rest.length; i += 2) {
    const value = rest[i + 1];
    if (value === undefined) usage();
    if (rest[i] === '--runs') options.runs = Number(value);
    else if (rest[i] === '--threads') options.threads = Number(value);
    else if (rest[i] === '--memory-limit') options.memoryLimit = value;
    else usage();
  }
  if (!Number.isInteger(options.runs) || options.runs < 1) usage();
  return options;
}

const sqlString = (text) => `'${text.replaceAll("'", "''")}'`;
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

async function scalar(connection, sql) {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRows()[0][0];
}

async function open(options) {
  const config = {};
  if (options.threads > 0) config.threads = String(options.threads);
  if (options.memoryLimit) config.memory_limit = options.memoryLimit;
  const instance = await DuckDBInstance.create(options.db, config);
  const connection = await instance.connect();
  return { instance, connection };
}

async function load(options) {
  const { connection } = await open(options);
  const columns = Object.entries(COLUMNS).map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`).join(', ');
  const select = Object.keys(COLUMNS).map((name) => name === 'interests'
    ? "list_filter(string_split(interests, '|'), tag -> tag <> '') AS interests" : name).join(', ');
  const started = nowMs();
  await connection.run('DROP TABLE IF EXISTS profiles');
  await connection.run(`CREATE TABLE profiles AS SELECT ${select} FROM read_csv(${sqlString(options.input)}, ` +
    `header = true, delim = ',', quote = '"', escape = '"', auto_detect = false, allow_quoted_nulls = false, ` +
    `timestampformat = '%Y-%m-%dT%H:%M:%SZ', columns = {${columns}})`);
  await connection.run('CHECKPOINT');
  const loadS = (nowMs() - started) / 1e3;
  const rows = await scalar(connection, 'SELECT count(*) FROM profiles');
  const version = await scalar(connection, 'SELECT version()');
  const threads = await scalar(connection, "SELECT current_setting('threads')");
  process.stdout.write(JSON.stringify({ engine: 'duckdb', version, threads: Number(threads), rows: Number(rows), load_s: loadS }) + '\n');
}

async function loadEvents(options) {
  const equals = options.input.indexOf('=');
  const type = options.input.slice(0, equals);
  const csv = options.input.slice(equals + 1);
  if (equals < 1 || !EVENT_COLUMNS[type]) usage();
  const { connection } = await open(options);
  const columns = Object.entries(EVENT_COLUMNS[type]).map(([name, sqlType]) => `${sqlString(name)}: ${sqlString(sqlType)}`).join(', ');
  const started = nowMs();
  await connection.run(`DROP TABLE IF EXISTS ${type}`);
  await connection.run(`CREATE TABLE ${type} AS SELECT * FROM read_csv(${sqlString(csv)}, ` +
    `header = true, delim = ',', quote = '"', escape = '"', auto_detect = false, allow_quoted_nulls = false, ` +
    `timestampformat = '%Y-%m-%dT%H:%M:%SZ', columns = {${columns}})`);
  await connection.run('CHECKPOINT');
  const loadS = (nowMs() - started) / 1e3;
  const rows = await scalar(connection, `SELECT count(*) FROM ${type}`);
  process.stdout.write(JSON.stringify({ engine: 'duckdb', type, rows: Number(rows), load_s: loadS }) + '\n');
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function query(options) {
  const { connection } = await open(options);
  const lines = readFileSync(options.input, 'utf8').split('\n').filter((line) => line && !line.startsWith('#'));
  const threads = Number(await scalar(connection, "SELECT current_setting('threads')"));
  const version = await scalar(connection, 'SELECT version()');
  const result = { engine: 'duckdb', version, threads, runs: options.runs, queries: [] };
  for (const line of lines) {
    const tab = line.indexOf('\t');
    if (tab < 0) throw new Error(`bad line: ${line}`);
    const name = line.slice(0, tab);
    const sql = `SELECT count(*) FROM profiles WHERE ${line.slice(tab + 1)}`;
    let started = nowMs();
    const count = Number(await scalar(connection, sql));
    const firstMs = nowMs() - started;
    const runs = [];
    for (let r = 0; r < options.runs; r++) {
      started = nowMs();
      const again = Number(await scalar(connection, sql));
      runs.push(nowMs() - started);
      if (again !== count) throw new Error(`${name}: run ${r} counted ${again}, first run ${count}`);
    }
    result.queries.push({ name, count, first_ms: firstMs, median_ms: median(runs), min_ms: Math.min(...runs), runs_ms: runs });
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}

const options = parse(process.argv.slice(2));
if (options.command === 'load') await load(options);
else if (options.command === 'query') await query(options);
else if (options.command === 'load-events') await loadEvents(options);
else usage();
