#!/usr/bin/env bash
# Real public datasets from ../shared/data/real (never copied into the repository): Telco
# churn (blank TotalCharges in 11 rows) and Bank Marketing (45,211 rows) are ingested with
# their own schemas, and segment counts are cross-checked with the sqlite3 shell on the same
# files. Skips, saying why, when ../shared is absent.
#   PROFILEDB=build/profiledb bash tests/e2e/real_data_test.sh
set -uo pipefail
pdb=${PROFILEDB:-build/profiledb}
root=$(cd "$(dirname "$0")/../.." && pwd)
real=${PROFILEDB_REAL_DATA:-$root/../shared/data/real}
if [ ! -d "$real/telco_churn" ] || [ ! -d "$real/bank_marketing" ]; then
    echo "real_data_test: skipped: $real (the shared real datasets) is not present"
    echo "real_data_test: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
command -v sqlite3 >/dev/null || { echo "real_data_test: sqlite3 shell missing"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

check() { # DB SQLITE_TABLE SEGMENT SQL_WHERE
    local expected got
    expected=$(sqlite3 "$work/real.sqlite" "SELECT count(*) FROM $2 WHERE $4")
    got=$("$pdb" count "$1" "$3" 2>&1)
    if [ "$got" == "$expected" ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL: $3: profiledb '$got', sqlite3 '$expected'"
    fi
}

# ---- Telco churn -------------------------------------------------------------------------
telco="$real/telco_churn/WA_Fn-UseC_-Telco-Customer-Churn.csv"
cat >"$work/telco.schema" <<'SCHEMA'
customerid text identifier
gender category
seniorcitizen bool
partner bool
dependents bool
tenure int
phoneservice bool
multiplelines category
internetservice category
onlinesecurity category
onlinebackup category
deviceprotection category
techsupport category
streamingtv category
streamingmovies category
contract category
paperlessbilling bool
paymentmethod category
monthlycharges float
totalcharges float
churn bool
SCHEMA
"$pdb" init "$work/telco" --schema "$work/telco.schema" >/dev/null || exit 1
if "$pdb" ingest "$work/telco" "$telco" --quiet >"$work/out" 2>&1 && grep -q "loaded 7043 rows" "$work/out"; then
    passed=$((passed + 1))
else
    failed=$((failed + 1)); echo "FAIL: telco ingest: $(cat "$work/out")"
fi
sqlite3 "$work/real.sqlite" ".mode csv" ".import '$telco' telco"
check "$work/telco" telco "totalcharges IS NULL" "trim(TotalCharges) = ''"
check "$work/telco" telco "churn AND contract = 'Month-to-month'" "Churn = 'Yes' AND Contract = 'Month-to-month'"
check "$work/telco" telco "monthlycharges > 70.5 AND tenure BETWEEN 12 AND 48" "CAST(MonthlyCharges AS REAL) > 70.5 AND CAST(tenure AS INTEGER) BETWEEN 12 AND 48"
check "$work/telco" telco "paymentmethod ICONTAINS 'AUTOMATIC'" "lower(PaymentMethod) LIKE '%automatic%'"
check "$work/telco" telco "NOT seniorcitizen AND internetservice NOT IN ('DSL', 'No')" "SeniorCitizen = '0' AND InternetService NOT IN ('DSL', 'No')"
check "$work/telco" telco "totalcharges >= 8000 OR totalcharges IS NULL" "(trim(TotalCharges) <> '' AND CAST(TotalCharges AS REAL) >= 8000) OR trim(TotalCharges) = ''"

# ---- Bank marketing -------------------------------------------------------------------------
bank="$real/bank_marketing/bank_full_converted.csv"
cat >"$work/bank.schema" <<'SCHEMA'
age int
job category
marital category
education category
default bool
balance int
housing bool
loan bool
contact category
day int
month category
duration int
campaign int
pdays int
previous int
poutcome category
subscribe bool
SCHEMA
"$pdb" init "$work/bank" --schema "$work/bank.schema" >/dev/null || exit 1
if "$pdb" ingest "$work/bank" "$bank" --quiet >"$work/out" 2>&1 && grep -q "loaded 45211 rows" "$work/out"; then
    passed=$((passed + 1))
else
    failed=$((failed + 1)); echo "FAIL: bank ingest: $(cat "$work/out")"
fi
sqlite3 "$work/real.sqlite" ".mode csv" ".import '$bank' bank"
check "$work/bank" bank "subscribe" "subscribe = '1'"
check "$work/bank" bank "balance < 0 AND NOT housing" "CAST(balance AS INTEGER) < 0 AND housing = 'no'"
check "$work/bank" bank "job IN ('admin.', 'technician') AND age BETWEEN 30 AND 40" "job IN ('admin.', 'technician') AND CAST(age AS INTEGER) BETWEEN 30 AND 40"
check "$work/bank" bank "education STARTS WITH 'sec' OR poutcome = 'success'" "education LIKE 'sec%' OR poutcome = 'success'"
check "$work/bank" bank "pdays = -1 AND campaign >= 5" "CAST(pdays AS INTEGER) = -1 AND CAST(campaign AS INTEGER) >= 5"

echo "real_data_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
