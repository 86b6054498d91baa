#!/bin/sh
# The house style of the C files under src/ and tests/, as .editorconfig states it, checked
# line by line:
#   - no line longer than 100 columns: a tab reaches the next multiple of 8, every other
#     character (a UTF-8 code point, not a byte) is one column;
#   - no trailing spaces or tabs;
#   - indentation is tabs: a line's leading white space is tabs, then fewer than 8 spaces
#     that align a continuation line (under an opening parenthesis, say).
# Prints each offence as FILE:LINE: what, then the count of files that pass and fail; fails
# when any file has an offence. No formatter is involved (the project has no .clang-format):
# nothing to install, and no formatter version whose output must match.
cd "$(dirname "$0")/.." || exit 2
files=$(find src tests -name '*.[ch]' -type f | LC_ALL=C sort)
if [ -z "$files" ]; then
	echo "style: no C files under src/ and tests/"
	echo "style: 0 passed, 1 failed"
	exit 1
fi
# LC_ALL=C: awk sees bytes whatever the locale, and the code points are counted by hand.
# shellcheck disable=SC2086 # the paths hold no white space
LC_ALL=C awk '
function report(what) {
	printf "%s:%d: %s\n", FILENAME, FNR, what
	bad[FILENAME] = 1
}
# columns of s: UTF-8 continuation bytes (10xxxxxx) take none, a tab reaches the next
# multiple of 8
function columns(s,    n, i, parts, col) {
	gsub(/[\200-\277]/, "", s)
	n = split(s, parts, "\t")
	col = 0
	for (i = 1; i < n; i++)
		col = int((col + length(parts[i])) / 8) * 8 + 8
	return col + length(parts[n])
}
{
	line = $0
	width = columns(line)
	if (width > 100)
		report("line is " width " columns, more than 100")
	if (line ~ /[ \t]$/) {
		report("trailing white space")
		if (line ~ /^[ \t]*$/)
			next
	}
	match(line, /^[ \t]*/)
	lead = substr(line, 1, RLENGTH)
	sub(/^\t*/, "", lead)
	if (lead ~ /\t/)
		report("indented with a tab after spaces")
	else if (length(lead) >= 8)
		report("indented with " length(lead) " spaces after the tabs (fewer than 8 align)")
}
END {
	passed = failed = 0
	for (i = 1; i < ARGC; i++)
		if (ARGV[i] in bad)
			failed++
		else
			passed++
	printf "style: %d passed, %d failed\n", passed, failed
	exit (failed > 0)
}' $files
