#!/usr/bin/env bash
# The demo: installs what is missing, builds, generates 1,000,000 retail profiles (and their
# events), ingests the profiles and the purchases into a fresh database and runs five example
# segments and one event segment with counts and times.
#   scripts/demo.sh [PROFILES]       (default 1000000; work files go to out/demo/)
set -euo pipefail
cd "$(dirname "$0")/.."
profiles=${1:-1000000}
scripts/install-deps.sh
BUILD_TYPE=Release scripts/build.sh build-release -DPDB_BUILD_TESTS=OFF
pdb=build-release/profiledb
work=out/demo
rm -rf "$work" && mkdir -p "$work"

today=$(date -u +%Y-%m-%d)
echo "== generating $profiles profiles (seed 42, now = $today)"
$pdb gen --profiles "$profiles" --seed 42 --now "$today" --out "$work/data"
echo "== creating the database"
$pdb init "$work/db" --schema "$work/data/retail.schema"
echo "== ingesting"
$pdb ingest "$work/db" "$work/data/profiles.csv" --timing
echo "== ingesting the purchases (add_to_cart.csv and page_view.csv load the same way)"
$pdb ingest "$work/db" --events purchase "$work/data/purchase.csv" --quiet
echo
$pdb stats "$work/db" | head -6
echo
echo "== six segments (the last over events): count, and the query time (each is a fresh process, so the time includes"
echo "   reading the referenced columns from disk)"
segments=(
  "country IN ('US', 'CA') AND age BETWEEN 25 AND 40"
  "loyalty_tier = 'gold' AND total_spend > 500 AND consent_email"
  "interests HAS ANY ('running', 'yoga') AND NOT is_vip AND last_seen_at > now() - 30d"
  "email ENDS WITH '@gmail.com' AND (city = 'London' OR city = 'Berlin') AND order_count >= 3"
  "last_name ISTARTS WITH 'mü' OR (gender IS NULL AND signup_at < '2020-01-01')"
  "count(purchase, 30d) >= 2 AND country = 'DE'"
)
for segment in "${segments[@]}"; do
    count=$($pdb count "$work/db" "$segment" --timing 2>"$work/timing")
    printf '%10s  %10s  %s\n' "$count" "$(sed -n 's/^time: count \([0-9.]*\) ms.*/\1 ms/p' "$work/timing")" "$segment"
done
echo
echo "== one profile, looked up by customer_id"
$pdb get "$work/db" --key customer_id="$(sed -n 2p "$work/data/profiles.csv" | cut -d, -f1)"
