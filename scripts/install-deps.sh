#!/bin/sh
# Installs, with apt-get, whatever the build and the tests need and the machine lacks; and,
# as root, what the Slurm test runs on (tests/slurm_test.sh skips without it).
set -eu
pkgs="cmake make gcc pkg-config libcjson-dev zlib1g-dev libutf8proc-dev check libxxhash-dev
libdeflate-dev libpcre2-dev libssl-dev python3 python3-jsonschema gzip valgrind strace util-linux
chromium python3-pil g++"
optional="slurm-wlm munge parallel"
missing() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
			printf ' %s' "$p"
	done
}
# shellcheck disable=SC2086
needed=$(missing $pkgs)
# shellcheck disable=SC2086
wanted=$(missing $optional)
[ -z "$needed$wanted" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	[ -z "$needed" ] && exit 0
	echo "install-deps: missing:$needed (run as root or install them)" >&2
	exit 1
fi
echo "install-deps: installing$needed$wanted" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
[ -z "$needed" ] || apt-get install -y -qq --no-install-recommends $needed >/dev/null
# shellcheck disable=SC2086
[ -z "$wanted" ] || apt-get install -y -qq --no-install-recommends $wanted >/dev/null ||
	echo "install-deps: could not install$wanted; the Slurm test will skip" >&2
