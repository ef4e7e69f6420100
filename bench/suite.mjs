// The fixed query suite of bench/compare: every segment written three times, as a profiledb
// segment, as a DuckDB WHERE condition and as a SQLite WHERE condition, which must select
// exactly the same profiles (bench/compare fails if any count differs).
//
// How the three texts are kept equivalent (see also the "Equivalence" notes in the results):
// - now() is fixed at 2026-11-01T00:00:00Z for every engine: profiledb --now, DuckDB a
//   TIMESTAMP literal minus an INTERVAL, SQLite epoch seconds (timestamps are stored as epoch
//   seconds there).
// - NULL: SQL's three-valued logic is profiledb's, so NOT (x = 'a'), NOT flag and NOT IN
//   exclude NULL rows in all three.
// - Tags: profiledb tags; DuckDB VARCHAR[] (split on '|', empty tags dropped) with
//   list_contains, combined with OR / AND for HAS ANY / HAS ALL (about 3x faster in DuckDB
//   1.5 than list_has_any / list_has_all, so DuckDB gets its best form); SQLite the
//   '|'-joined text probed with instr('|' || interests || '|', '|tag|') > 0. A NULL set is
//   UNKNOWN everywhere and an empty set ('' / []) is FALSE everywhere.
// - Case-insensitive tests: profiledb folds full Unicode (NFC + case folding), SQLite's lower()
//   folds ASCII only and DuckDB's lower() does Unicode lower-casing. They agree whenever the
//   pattern is lower-case ASCII and no non-ASCII character of the data folds to ASCII letters
//   of the pattern. In the generated names the only such characters are 'ß' (-> "ss") and 'İ'
//   (-> "i" + U+0307), so ICONTAINS patterns here avoid 's' and 'i'.
// - String prefix/suffix in SQLite use substr(), which counts characters; the patterns are
//   ASCII, so a character match is a byte match.
// - LIKE is avoided in SQLite (case-insensitive for ASCII there).
//
// Fields: name; what (the kind of query, for the report); columns (the attributes it reads,
// for the bandwidth figure); wide (a scan over every row of fixed-width columns, counted in
// the "wide scans reach >= 80% of the bandwidth" target); and the three texts.

export const NOW_TEXT = '2026-11-01T00:00:00Z';
export const NOW_EPOCH_S = 1793491200;
const DUCK_NOW = "TIMESTAMP '2026-11-01 00:00:00'";
const DAY_S = 86400;

const sqliteTag = (tag) => `instr('|' || interests || '|', '|${tag}|') > 0`;

export const SUITE = [
  {
    name: 'country_eq', what: 'category =, selective (index)', columns: ['country'], wide: false,
    profiledb: "country = 'DE'",
    duckdb: "country = 'DE'",
    sqlite: "country = 'DE'",
  },
  {
    name: 'country_in', what: 'category IN, broad (index)', columns: ['country'], wide: false,
    profiledb: "country IN ('US', 'CA', 'GB')",
    duckdb: "country IN ('US', 'CA', 'GB')",
    sqlite: "country IN ('US', 'CA', 'GB')",
  },
  {
    name: 'city_in', what: 'category IN, selective, non-ASCII (index)', columns: ['city'], wide: false,
    profiledb: "city IN ('München', 'Paris', 'São Paulo')",
    duckdb: "city IN ('München', 'Paris', 'São Paulo')",
    sqlite: "city IN ('München', 'Paris', 'São Paulo')",
  },
  {
    name: 'tier_and_country', what: 'two indexed =, AND', columns: ['loyalty_tier', 'country'], wide: false,
    profiledb: "loyalty_tier = 'platinum' AND country = 'US'",
    duckdb: "loyalty_tier = 'platinum' AND country = 'US'",
    sqlite: "loyalty_tier = 'platinum' AND country = 'US'",
  },
  {
    name: 'age_range', what: 'int BETWEEN, broad scan', columns: ['age'], wide: true,
    profiledb: 'age BETWEEN 25 AND 34',
    duckdb: 'age BETWEEN 25 AND 34',
    sqlite: 'age BETWEEN 25 AND 34',
  },
  {
    name: 'spend_gt', what: 'float >, selective scan', columns: ['total_spend'], wide: true,
    profiledb: 'total_spend > 500',
    duckdb: 'total_spend > 500',
    sqlite: 'total_spend > 500',
  },
  {
    name: 'orders_spend', what: 'two numeric ranges', columns: ['order_count', 'total_spend'], wide: true,
    profiledb: 'order_count >= 3 AND total_spend BETWEEN 50 AND 200',
    duckdb: 'order_count >= 3 AND total_spend BETWEEN 50 AND 200',
    sqlite: 'order_count >= 3 AND total_spend BETWEEN 50 AND 200',
  },
  {
    name: 'recent_30d', what: 'relative time', columns: ['last_seen_at'], wide: true,
    profiledb: 'last_seen_at >= now() - 30d',
    duckdb: `last_seen_at >= ${DUCK_NOW} - INTERVAL 30 DAY`,
    sqlite: `last_seen_at >= ${NOW_EPOCH_S - 30 * DAY_S}`,
  },
  {
    name: 'signup_window', what: 'relative time window', columns: ['signup_at'], wide: true,
    profiledb: 'signup_at BETWEEN now() - 365d AND now() - 180d',
    duckdb: `signup_at BETWEEN ${DUCK_NOW} - INTERVAL 365 DAY AND ${DUCK_NOW} - INTERVAL 180 DAY`,
    sqlite: `signup_at BETWEEN ${NOW_EPOCH_S - 365 * DAY_S} AND ${NOW_EPOCH_S - 180 * DAY_S}`,
  },
  {
    name: 'four_predicates', what: '4 predicates: IN, BETWEEN, relative time, >',
    columns: ['country', 'age', 'last_seen_at', 'total_spend'], wide: false,
    profiledb: "country IN ('US', 'CA') AND age BETWEEN 25 AND 40 AND last_seen_at > now() - 30d AND total_spend > 100",
    duckdb: `country IN ('US', 'CA') AND age BETWEEN 25 AND 40 AND last_seen_at > ${DUCK_NOW} - INTERVAL 30 DAY AND total_spend > 100`,
    sqlite: `country IN ('US', 'CA') AND age BETWEEN 25 AND 40 AND last_seen_at > ${NOW_EPOCH_S - 30 * DAY_S} AND total_spend > 100`,
  },
  {
    name: 'or_heavy', what: '5-way OR over mixed types',
    columns: ['loyalty_tier', 'is_vip', 'order_count', 'total_spend', 'country'], wide: false,
    profiledb: "loyalty_tier = 'platinum' OR is_vip OR order_count >= 10 OR total_spend > 1000 OR country = 'LU'",
    duckdb: "loyalty_tier = 'platinum' OR is_vip OR order_count >= 10 OR total_spend > 1000 OR country = 'LU'",
    sqlite: "loyalty_tier = 'platinum' OR is_vip OR order_count >= 10 OR total_spend > 1000 OR country = 'LU'",
  },
  {
    name: 'not_mix', what: 'NOT over =, nullable category, bool', columns: ['country', 'gender', 'is_vip'], wide: false,
    profiledb: "NOT (country = 'US') AND NOT (gender = 'f') AND NOT is_vip",
    duckdb: "NOT (country = 'US') AND NOT (gender = 'f') AND NOT is_vip",
    sqlite: "NOT (country = 'US') AND NOT (gender = 'f') AND NOT is_vip",
  },
  {
    name: 'not_in_consent', what: 'NOT IN and NOT over a nullable bool', columns: ['loyalty_tier', 'consent_sms'], wide: false,
    profiledb: "loyalty_tier NOT IN ('none', 'bronze') AND NOT consent_sms",
    duckdb: "loyalty_tier NOT IN ('none', 'bronze') AND NOT consent_sms",
    sqlite: "loyalty_tier NOT IN ('none', 'bronze') AND NOT consent_sms",
  },
  {
    name: 'email_prefix', what: 'text STARTS WITH', columns: ['email'], wide: false,
    profiledb: "email STARTS WITH 'anna'",
    duckdb: "starts_with(email, 'anna')",
    sqlite: "substr(email, 1, 4) = 'anna'",
  },
  {
    name: 'email_domain', what: 'text ENDS WITH', columns: ['email'], wide: false,
    profiledb: "email ENDS WITH '@gmail.com'",
    duckdb: "ends_with(email, '@gmail.com')",
    sqlite: "substr(email, -10) = '@gmail.com'",
  },
  {
    name: 'email_contains', what: 'text CONTAINS', columns: ['email'], wide: false,
    profiledb: "email CONTAINS 'smith'",
    duckdb: "contains(email, 'smith')",
    sqlite: "instr(email, 'smith') > 0",
  },
  {
    name: 'name_icontains', what: 'text ICONTAINS (case-insensitive)', columns: ['last_name'], wide: false,
    profiledb: "last_name ICONTAINS 'mar'",
    duckdb: "contains(lower(last_name), 'mar')",
    sqlite: "instr(lower(last_name), 'mar') > 0",
  },
  {
    name: 'tags_has', what: 'tags HAS', columns: ['interests'], wide: false,
    profiledb: "interests HAS 'running'",
    duckdb: "list_contains(interests, 'running')",
    sqlite: sqliteTag('running'),
  },
  {
    name: 'tags_any', what: 'tags HAS ANY (3)', columns: ['interests'], wide: false,
    profiledb: "interests HAS ANY ('yoga', 'hiking', 'camping')",
    duckdb: "(list_contains(interests, 'yoga') OR list_contains(interests, 'hiking') OR list_contains(interests, 'camping'))",
    sqlite: `(${sqliteTag('yoga')} OR ${sqliteTag('hiking')} OR ${sqliteTag('camping')})`,
  },
  {
    name: 'tags_all_consent', what: 'tags HAS ALL (2) AND bool', columns: ['interests', 'consent_email'], wide: false,
    profiledb: "interests HAS ALL ('travel', 'cooking') AND consent_email",
    duckdb: "list_contains(interests, 'travel') AND list_contains(interests, 'cooking') AND consent_email",
    sqlite: `${sqliteTag('travel')} AND ${sqliteTag('cooking')} AND consent_email`,
  },
  {
    name: 'null_tests', what: 'IS NULL / IS NOT NULL AND bool', columns: ['phone', 'email', 'consent_email'], wide: false,
    profiledb: 'phone IS NULL AND email IS NOT NULL AND consent_email',
    duckdb: 'phone IS NULL AND email IS NOT NULL AND consent_email',
    sqlite: 'phone IS NULL AND email IS NOT NULL AND consent_email',
  },
];

// ---- Events (bench/compare --events) ---------------------------------------------------
// Segments over the events `profiledb gen` writes (purchase, add_to_cart, page_view), mixed
// with attributes. The SQL forms keep the profile table as `profiles` and read one table per
// event type (customer_id, at, properties): an aggregate becomes
// `customer_id IN (SELECT customer_id FROM <type> WHERE <window> [AND filter] GROUP BY
// customer_id HAVING <aggregate> <op> <value>)`, `NOT exists` becomes `customer_id NOT IN
// (...)` (no customer_id is NULL). Windows: profiledb's `30d` is now() - 30 days <= at <=
// now(), both edges included, so the SQL uses BETWEEN. DuckDB stores `at` as TIMESTAMP,
// SQLite as epoch seconds (unixepoch() of the CSV text); `at` is quoted for DuckDB, where AT is
// a keyword. Float sums add in a different order
// per engine; no sum in the data lands on a bound.
const duckWindow = (days) => `"at" BETWEEN ${DUCK_NOW} - INTERVAL ${days} DAY AND ${DUCK_NOW}`;
const liteWindow = (days) => `at BETWEEN ${NOW_EPOCH_S - days * DAY_S} AND ${NOW_EPOCH_S}`;
const having = (type, where, aggregate) => `customer_id IN (SELECT customer_id FROM ${type} WHERE ${where} ` +
  `GROUP BY customer_id HAVING ${aggregate})`;

export const EVENT_TYPES = ['purchase', 'add_to_cart', 'page_view'];

export const EVENT_SUITE = [
  {
    name: 'purchases_30d_de', what: 'count over 30 days AND a category',
    profiledb: "count(purchase, 30d) >= 2 AND country = 'DE'",
    duckdb: `country = 'DE' AND ${having('purchase', duckWindow(30), 'count(*) >= 2')}`,
    sqlite: `country = 'DE' AND ${having('purchase', liteWindow(30), 'count(*) >= 2')}`,
  },
  {
    name: 'shoes_90d', what: 'filtered sum over 90 days',
    profiledb: "sum(purchase.amount, 90d, category = 'shoes') > 100",
    duckdb: having('purchase', `${duckWindow(90)} AND category = 'shoes'`, 'sum(amount) > 100'),
    sqlite: having('purchase', `${liteWindow(90)} AND category = 'shoes'`, 'sum(amount) > 100'),
  },
  {
    name: 'viewed_7d', what: 'last page view in the last week',
    profiledb: 'last(page_view) > now() - 7d',
    duckdb: having('page_view', 'true', `max("at") > ${DUCK_NOW} - INTERVAL 7 DAY`),
    sqlite: having('page_view', '1', `max(at) > ${NOW_EPOCH_S - 7 * DAY_S}`),
  },
  {
    name: 'lapsed_30_plus', what: 'NOT exists over 180 days AND an int',
    profiledb: 'NOT exists(purchase, 180d) AND age >= 30',
    duckdb: `age >= 30 AND customer_id NOT IN (SELECT customer_id FROM purchase WHERE ${duckWindow(180)})`,
    sqlite: `age >= 30 AND customer_id NOT IN (SELECT customer_id FROM purchase WHERE ${liteWindow(180)})`,
  },
  {
    name: 'categories_365d', what: 'distinct categories over a year',
    profiledb: 'distinct(purchase.category, 365d) >= 3',
    duckdb: having('purchase', duckWindow(365), 'count(DISTINCT category) >= 3'),
    sqlite: having('purchase', liteWindow(365), 'count(DISTINCT category) >= 3'),
  },
  {
    name: 'cart_abandoners', what: 'exists AND NOT exists, 30 days, consent',
    profiledb: 'exists(add_to_cart, 30d) AND NOT exists(purchase, 30d) AND consent_email',
    duckdb: `consent_email AND customer_id IN (SELECT customer_id FROM add_to_cart WHERE ${duckWindow(30)}) ` +
      `AND customer_id NOT IN (SELECT customer_id FROM purchase WHERE ${duckWindow(30)})`,
    sqlite: `consent_email AND customer_id IN (SELECT customer_id FROM add_to_cart WHERE ${liteWindow(30)}) ` +
      `AND customer_id NOT IN (SELECT customer_id FROM purchase WHERE ${liteWindow(30)})`,
  },
  {
    name: 'engaged_gold', what: 'count of page views over 30 days AND an indexed IN',
    profiledb: "count(page_view, 30d) >= 10 AND loyalty_tier IN ('gold', 'platinum')",
    duckdb: `loyalty_tier IN ('gold', 'platinum') AND ${having('page_view', duckWindow(30), 'count(*) >= 10')}`,
    sqlite: `loyalty_tier IN ('gold', 'platinum') AND ${having('page_view', liteWindow(30), 'count(*) >= 10')}`,
  },
];
