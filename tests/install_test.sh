#!/bin/sh
# Installs the build into a temporary prefix and uses what was installed: the example
# program built with pkg-config against the shared and the static library, the man page
# (every option and code documented), and the bash completion.
#   install_test.sh BUILD_DIR SOURCE_DIR
set -u
build=$1 src=$2
prefix=$(mktemp -d)
. "$(dirname "$0")/checks.sh"
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(ls -d "$prefix"/lib*/ | head -1)
for f in bin/dlgconv include/dlgconv.h share/man/man1/dlgconv.1 \
	share/bash-completion/completions/dlgconv; do
	check "installed $f" "[ -f '$prefix/$f' ]"
done
check "shared and static library" "[ -f '${libdir}libdlgconv.so' ] && [ -f '${libdir}libdlgconv.a' ]"
export PKG_CONFIG_PATH="${libdir}pkgconfig"
check "pkg-config knows it" "pkg-config --exists dlgconv"
cflags=${EXAMPLE_CFLAGS:-}
cc $cflags "$src/examples/convert_one.c" $(pkg-config --cflags --libs dlgconv) -o "$prefix/one"
check "example against the shared library" \
	"LD_LIBRARY_PATH='$libdir' '$prefix/one' 2>/dev/null | grep -q '\"stage_directions\":\[{\"text\":\"sighs\",\"offset\":0}\]'"
cc $cflags "$src/examples/convert_one.c" $(pkg-config --cflags dlgconv) "${libdir}libdlgconv.a" \
	$(pkg-config --static --libs-only-l --libs-only-other dlgconv | sed 's/-ldlgconv//') \
	-o "$prefix/one-static"
check "example against the static library" \
	"'$prefix/one-static' 2>/dev/null | grep -q '\"role\":\"assistant\"'"
# the man page documents every option of both commands and every finding code
man=$prefix/share/man/man1/dlgconv.1
for cmd in convert validate stats map reduce finalize; do
	for opt in $("$prefix/bin/dlgconv" $cmd --help | sed -n '/^options:/,/^exit status/p' |
		grep -o -- '--[a-z][a-z-]*' | sort -u); do
		check "man page has $opt" "sed 's/\\\\-/-/g' '$man' | grep -q -- '$opt'"
	done
done
for code in $(grep -o '"[EW][0-9][0-9][0-9]"' "$src/src/lib/error.c" | tr -d '"'); do
	check "man page has $code" "grep -q '^.B $code\$' '$man'"
done
# the completion offers the command's options
out=$(bash -c ". '$prefix/share/bash-completion/completions/dlgconv'
	COMP_WORDS=('$prefix/bin/dlgconv' convert --spl); COMP_CWORD=2; _dlgconv
	echo \"\${COMPREPLY[*]}\"")
check "completion of --spl ($out)" "echo '$out' | grep -q -- '--split'"
rm -rf "$prefix"
checks_finish install
