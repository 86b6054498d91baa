#!/bin/sh
# --role refuses a label no marker could match: the library checks (DLG_E_ARG), so library
# users get the same; '=' is refused, as a speaker name holds none (Bot=x=assistant would be
# the label 'Bot=x').
in=$FIXTURES/valid/custom-role.txt
for spec in 'Bot=x=assistant' ' Lucky=assistant' 'Lucky =assistant' 'Lu
cky=assistant' '###=assistant' 'C#=user' 'Dr: Who=user' \
	'Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=assistant' '=assistant' 'Lucky=robot'; do
	"$DLGCONV" validate -q --role "$spec" "$in"
	echo "exit $?"
done
# a label with a blank inside, and one of 40 bytes, are speaker names like any other
printf '### Human: hi\n### Dr Who: hello\n' >who.txt
"$DLGCONV" validate --role 'Dr Who=assistant' who.txt
echo "exit $?"
printf '### Human: hi\n### Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: hello\n' >long.txt
"$DLGCONV" validate --role 'Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=assistant' long.txt
echo "exit $?"
