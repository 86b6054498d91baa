# What every shell test here shares (source it): counted checks, FAIL lines, and the
# closing "NAME: N passed, N failed" line that CI reads.
passed=0 failed=0
check() {
	if eval "$2"; then passed=$((passed + 1)); else echo "FAIL: $1"; failed=$((failed + 1)); fi
}
checks_finish() {
	echo "$1: $passed passed, $failed failed"
	[ "$failed" = 0 ]
}
