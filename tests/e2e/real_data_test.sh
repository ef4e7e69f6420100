#!/usr/bin/env bash
# Real public datasets from ../shared/data/real (never copied into the repository): Telco
# churn (blank TotalCharges in 11 rows) and Bank Marketing (45,211 rows) are ingested with
# their own schemas, and segment counts are cross-checked with the sqlite3 shell on the same
# files. Schemas with data-quality rules then load Telco and Adult (dirt: blank numbers,
# leading spaces, mislabelled income), checked against per-rule counts and sqlite3. Skips,
# saying why, when ../shared is absent.
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

# ---- Data-quality rules on real dirt ------------------------------------------------------
expect_grep() { # PATTERN FILE DESCRIPTION
    if grep -qF -- "$1" "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $3: '$1' not in: $(head -c 600 "$2")"; fi
}
# Telco: the 11 blank TotalCharges (a single space) break `required`; the rest load.
cat >"$work/telco_rules.schema" <<'SCHEMA'
customerid text identifier required
gender category trim lower allowed(female, male)
seniorcitizen bool required
partner bool
dependents bool
tenure int range(0, 72)
phoneservice bool
multiplelines category
internetservice category allowed(DSL, "Fiber optic", No)
onlinesecurity category
onlinebackup category
deviceprotection category
techsupport category
streamingtv category
streamingmovies category
contract category allowed(Month-to-month, "One year", "Two year")
paperlessbilling bool
paymentmethod category casefold
monthlycharges float range(18, 120)
totalcharges float required
churn bool required
SCHEMA
"$pdb" init "$work/telco_rules" --schema "$work/telco_rules.schema" >/dev/null || exit 1
"$pdb" ingest "$work/telco_rules" "$telco" --quiet --rejects "$work/telco.rejects.csv" >"$work/out" 2>&1
expect_grep "loaded 7032 rows" "$work/out" "telco with rules: rows that pass load"
expect_grep "11 rejected" "$work/out" "telco with rules: the blank TotalCharges reject"
expect_grep "  rejected by rule: required(totalcharges) 11" "$work/out" "telco: per-rule rejects"
expect_grep "lower(gender) 7032, casefold(paymentmethod) 7032" "$work/out" "telco: per-rule changes"
expect_grep ",490,122,totalcharges,rule required: the value is missing,\"4472-LVYGI," "$work/telco.rejects.csv" "telco: reject names line and column"
check "$work/telco_rules" telco "gender = 'female'" "Gender = 'Female' AND trim(TotalCharges) <> ''"
check "$work/telco_rules" telco "paymentmethod = 'credit card (automatic)'" "PaymentMethod = 'Credit card (automatic)' AND trim(TotalCharges) <> ''"

# Adult: no header, ", " separated (every value after the first has a leading space), '?' for
# missing, and the test file labels income "<=50K." / ">50K." (a trailing dot): trim cleans
# the values, map corrects the labels, allowed proves nothing else is there.
adult_dir="$real/adult"
if [ -f "$adult_dir/adult.data" ] && [ -f "$adult_dir/adult.test" ]; then
    header="age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income"
    { echo "$header"; grep -v '^$' "$adult_dir/adult.data"; tail -n +2 "$adult_dir/adult.test" | grep -v '^$'; } >"$work/adult.csv"
    cat >"$work/adult.schema" <<'SCHEMA'
age int required range(17, 90)
workclass category trim
fnlwgt int range(1,)
education category trim
education_num int range(1, 16)
marital_status category trim
occupation category trim
relationship category trim
race category trim
sex category trim lower allowed(female, male)
capital_gain int range(0,)
capital_loss int range(0,)
hours_per_week int range(1, 99)
native_country category trim
income category trim map("<=50K."="<=50K", ">50K."=">50K") allowed("<=50K", ">50K") required
SCHEMA
    "$pdb" init "$work/adult" --schema "$work/adult.schema" >/dev/null || exit 1
    "$pdb" ingest "$work/adult" "$work/adult.csv" --quiet --format json >"$work/out" 2>&1
    expect_grep '"rows_loaded": 48842, "rows_inserted": 48842, "rows_updated": 0, "rows_rejected": 0' "$work/out" "adult: every record passes the rules"
    expect_grep '{"attribute": "income", "rule": "trim", "rejected": 0, "changed": 48842}' "$work/out" "adult: trim counted"
    expect_grep '{"attribute": "income", "rule": "map", "rejected": 0, "changed": 16281}' "$work/out" "adult: the test file's labels mapped"
    sqlite3 "$work/real.sqlite" ".mode csv" ".import '$work/adult.csv' adult"
    check "$work/adult" adult "income = '>50K'" "trim(income) IN ('>50K', '>50K.')"
    check "$work/adult" adult "sex = 'female' AND workclass = 'Private'" "trim(sex) = 'Female' AND trim(workclass) = 'Private'"
    check "$work/adult" adult "occupation = '?'" "trim(occupation) = '?'"
else
    echo "real_data_test: adult skipped: $adult_dir is not present"
fi

echo "real_data_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
