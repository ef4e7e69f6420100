#!/usr/bin/env bash
# Installs the Debian packages profiledb needs, only those that are missing.
# Used by scripts/demo.sh and scripts/test.sh; safe to run again. Needs root (or sudo).
set -euo pipefail

# nettle-dev: MD5 for tests/conformance (sqllogictest states large results as MD5 hashes).
# clang: the libFuzzer targets (fuzz/build.sh; scripts/test.sh runs the frame decoder's briefly).
packages=(build-essential cmake pkg-config liburing-dev liblz4-dev libroaring-dev
          libcriterion-dev libbenchmark-dev libxxhash-dev libutf8proc-dev libsqlite3-dev sqlite3
          nettle-dev clang)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "install-deps: installing ${missing[*]}"
run_as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
export DEBIAN_FRONTEND=noninteractive
run_as_root apt-get update -qq
run_as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
