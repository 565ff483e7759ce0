# Sourced by .ci/run: adds up the closing line (`N passed, N failed, N skipped`, formatted by
# packages/testing/summary-line.js) of each suite it runs. A suite that prints no such line, or
# exits non-zero without counting a failure, is counted as one failure, with a message saying so.
passed=0
failed=0
skipped=0
SUMMARY_LINE='^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$'

count_suite() { # count_suite <name> <log> <exit status>
  local name=$1 log=$2 status=$3 line suite_passed suite_failed suite_skipped
  line=$(grep -E "$SUMMARY_LINE" "$log" | tail -n 1 || true)
  if [[ -z $line ]]; then
    echo "FAILED: $name reported no \`N passed, N failed, N skipped\` line (exit $status): counted as 1 failure"
    failed=$((failed + 1))
    return 0
  fi
  read -r suite_passed _ suite_failed _ suite_skipped _ <<<"$line"
  passed=$((passed + suite_passed))
  failed=$((failed + suite_failed))
  skipped=$((skipped + suite_skipped))
  if ((status != 0 && suite_failed == 0)); then
    echo "FAILED: $name exited $status without counting a failure: counted as 1 failure"
    failed=$((failed + 1))
  fi
  return 0
}
