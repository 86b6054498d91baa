#!/bin/sh
# Installs, with apt-get, whatever the build and the tests need and the machine lacks.
set -eu
pkgs="cmake make gcc pkg-config libcjson-dev zlib1g-dev libutf8proc-dev check libxxhash-dev
libdeflate-dev libssl-dev python3 python3-jsonschema gzip valgrind strace util-linux
chromium python3-pil slurm-wlm munge parallel"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing:$missing (run as root or install them)" >&2
	exit 1
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
