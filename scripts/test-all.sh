#!/usr/bin/env bash
# `npm test`: every level, fail fast, one summary line at the end ("N passed, N failed") that CI reads.
#   typecheck → lint → unit → build → integration (real VS Code extension host) → e2e (real VS Code in Chromium)
#   → faults (the fault matrix)
# GENESIS_TEST_LEVELS="unit integration" runs only those steps (names as below).
set -uo pipefail
cd "$(dirname "$0")/.."

log_dir=test/.tmp/logs
mkdir -p "$log_dir"
passed=0
failed=0
started=$(date +%s)
levels=${GENESIS_TEST_LEVELS:-"typecheck lint unit build integration e2e faults"}

# The counts a step printed: node:test's "# pass N"/"ℹ pass N", or the harness's "N passed, N failed".
count_tests() {
  local log=$1 p f c line
  p=$(grep -aE '^(#|ℹ) pass [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$' || true)
  f=$(grep -aE '^(#|ℹ) fail [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$' || true)
  c=$(grep -aE '^(#|ℹ) cancelled [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$' || true)
  [[ -n "$f" ]] && f=$((f + ${c:-0})) # a test cancelled by its timeout failed too
  if [[ -z "$p" ]]; then
    line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1 || true)
    p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
    f=$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$line")
  fi
  echo "${p:-0} ${f:-0}"
}

summary() {
  echo
  echo "== npm test: $(( $(date +%s) - started )) s"
  echo "$passed passed, $failed failed"
}

step() {
  local name=$1; shift
  [[ " $levels " == *" $name "* ]] || return 0
  local log="$log_dir/step-$name.log" t0 rc counts p f
  echo
  echo "== $name: $*"
  t0=$(date +%s)
  "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  read -r p f < <(count_tests "$log")
  passed=$((passed + p))
  failed=$((failed + f))
  if [[ $rc -ne 0 ]]; then
    # A step that failed without failing a test (type error, lint, build) counts as one failure.
    [[ $f -eq 0 ]] && failed=$((failed + 1))
    echo "== $name FAILED (exit $rc) after $(( $(date +%s) - t0 )) s; log: $log"
    summary
    exit 1
  fi
  echo "== $name ok in $(( $(date +%s) - t0 )) s"
}

step typecheck npm run --silent typecheck
step lint npm run --silent lint
step unit npm run --silent test:unit
step build npm run --silent build
# The two VS Code levels reuse the build above.
export GENESIS_SKIP_BUILD=1
step integration node test/harness/run-integration.mjs
step e2e node test/harness/run-e2e.mjs
# The fault matrix (npm run test:faults); its editor faults come from the two levels above.
GENESIS_FAULTS_EDITOR=skip step faults npm run --silent test:faults
summary
