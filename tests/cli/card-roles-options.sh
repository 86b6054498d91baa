#!/bin/sh
# The card says which speaker labels gave which roles (the built-in ones and each --role) and
# every option that changed the records from the defaults, as the command line spells it; an
# option that does not shape the records (-j, -q) is not among them, nor one given at its
# default value: the default splits, a built-in label's own role, a label's first role when a
# later --role overrides it (issue 20, item 7).
printf '### Human: hi\n### Bot: hello\n' >a.txt
printf '来访者：我睡不着\n### Human: x\n### Assistant: y\n' >b.txt
"$DLGCONV" convert -q -j 1 --role Bot=assistant --role 'Client=user' --min-turns 2 \
	--stage keep --error W303 --split train=8,test=2 --compress none a.txt b.txt -o out
echo "exit $?"
sed -n '/^Speaker labels/,/^| split/p' out/README.md
"$DLGCONV" convert -q --compress none a.txt -o plain --role Bot=assistant
echo "exit $?"
sed -n '/^Speaker labels/,/^| split/p' plain/README.md
"$DLGCONV" convert -q --compress none b.txt -o defaults --near-dup group \
	--split train=0.9,validation=0.05,test=0.05 --role Human=user --role human=user \
	--role X=user --role X=assistant
echo "exit $?"
sed -n '/^Speaker labels/,/^| split/p' defaults/README.md
