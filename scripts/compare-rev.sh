#!/bin/sh
# Converts the same inputs with this tree's dlgconv and with the one an earlier revision of
# this repository builds, under a dozen option sets, and compares every file written, and
# what each run printed, byte for byte (the version string, which differs by design, read
# as VERSION). For a restructure that must not change any output: the `before` test runs it
# against the commit before the driver split (docs/architecture.md).
#   compare-rev.sh [--changed FILE] DLGCONV REV WORKDIR INPUT...
# --changed FILE lists inputs (paths under an INPUT, one a line, after a tab why) whose output
# changed on purpose since REV: they are left out of the comparison, everything else must be
# the same; and, as `card:TEXT`, paragraphs the dataset card gained since REV (the lines that
# start with TEXT, with the blank line after each), taken out of the new card. Exits 77 (skipped) when REV is not in this clone's history, 1 when any output
# differs.
set -u
changed=/dev/null
if [ "$1" = --changed ]; then
	changed=$2
	shift 2
fi
new=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") rev=$2 work=$3
shift 3
here=$(cd "$(dirname "$0")/.." && pwd)
if ! git -C "$here" cat-file -e "$rev^{commit}" 2>/dev/null; then
	echo "revision $rev is not in this clone: nothing to compare with (skipped)"
	exit 77
fi
mkdir -p "$work"
src=$work/src-$rev
old=$work/build-$rev/dlgconv
if [ ! -x "$old" ]; then
	rm -rf "$src" && mkdir -p "$src"
	git -C "$here" archive "$rev" | tar -x -C "$src" || exit 1
	cmake -S "$src" -B "$work/build-$rev" -DCMAKE_BUILD_TYPE=Release \
		-DDLGCONV_BUILD_TESTS=OFF >/dev/null || exit 1
	cmake --build "$work/build-$rev" -j "$(nproc)" >/dev/null || exit 1
fi
v_new=$("$new" --version | cut -d' ' -f2)
v_old=$("$old" --version | cut -d' ' -f2)

passed=0 failed=0
# run NAME BIN ARGS...: the outputs of one run, the version string made VERSION
run() {
	name=$1 bin=$2 v=$3
	shift 3
	d=$work/$name
	rm -rf "$d" && mkdir -p "$d"
	(cd "$d" && "$bin" "$@" >stdout 2>stderr; echo $? >exit)
	ve=$(printf '%s' "$v" | sed 's/\./\\./g')
	for f in "$d"/stdout "$d"/stderr "$d"/out/README.md; do
		[ -f "$f" ] && sed -i "s/\b$ve\b/VERSION/g" "$f"
	done
	if [ -f "$d/out/README.md" ] && [ "$bin" = "$new" ]; then
		while IFS='	' read -r path why; do
			case $path in card:*) ;; *) continue ;; esac
			/usr/bin/python3 - "$d/out/README.md" "${path#card:}" <<'PY'
import sys
path, start = sys.argv[1], sys.argv[2]
lines, out, skip = open(path).read().split("\n"), [], False
for line in lines:
    if skip and line == "":
        skip = False
        continue
    skip = skip or line.startswith(start)
    if not skip:
        out.append(line)
open(path, "w").write("\n".join(out))
PY
		done <"$changed"
	fi
	# a finding code added since: its SARIF rule taken out of the new run's rules (never
	# the first rule, so always after a comma)
	if [ "$bin" = "$new" ]; then
		while IFS='	' read -r path why; do
			case $path in rule:*) ;; *) continue ;; esac
			sed -i "s/,{\"id\":\"${path#rule:}\",[^}]*}}//" "$d/stdout"
		done <"$changed"
	fi
	# the card names the version, so its hash and size in the manifest differ with it: the
	# card itself is compared above
	[ -f "$d/out/manifest.json" ] && /usr/bin/python3 - "$d/out/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["version"] = "VERSION"
if "README.md" in m.get("files", {}):
    m["files"]["README.md"]["sha256"] = m["files"]["README.md"]["size"] = "the card's"
json.dump(m, open(sys.argv[1], "w"), indent=1)
PY
	return 0
}
compare() {
	label=$1
	shift
	run new "$new" "$v_new" "$@"
	run old "$old" "$v_old" "$@"
	if diff -r "$work/old" "$work/new" >"$work/diff" 2>&1; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $label: $*"
		head -20 "$work/diff"
	fi
}
# the inputs copied, less the ones whose output changed on purpose
rm -rf "$work/inputs" && mkdir -p "$work/inputs"
ins=""
for i in "$@"; do
	cp -R "$i" "$work/inputs/" || exit 1
	ins="$ins $work/inputs/$(basename "$i")"
done
while IFS='	' read -r path why; do
	case $path in '' | '#'* | card:* | rule:*) continue ;; esac
	rm -rf "$work/inputs/$path"
	echo "left out, changed on purpose: $path ($why)"
done <"$changed"
# shellcheck disable=SC2086
{
	compare "defaults" convert $ins -o out
	compare "near-dup off" convert $ins -o out --near-dup off
	compare "near-dup drop" convert $ins -o out --near-dup drop
	compare "sharegpt, 3 shards" convert $ins -o out --format sharegpt --shards 3
	compare "text, no compression" convert $ins -o out --format text --compress none
	compare "bare" convert $ins -o out --bare
	compare "splits and seed" convert $ins -o out --split a=1,b=2 --seed 7 --stage strip
	compare "fixing" convert $ins -o out --trailing-user drop --merge-consecutive \
		--leading-assistant drop --min-turns 1
	compare "strict, one thread" convert $ins -o out --strict -j 1 --no-dedup
	compare "findings as JSON" validate $ins --diagnostics json
	compare "findings as SARIF" validate $ins --diagnostics sarif --error W303
	compare "stats" stats $ins --json
}
echo "compare with $rev: $passed passed, $failed failed"
[ "$failed" = 0 ]
