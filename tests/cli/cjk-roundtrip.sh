#!/bin/sh
# Issue 25: a Chinese counselling transcript (CPsyCoun's layout) with directions in full-width
# brackets, read back from the dataset and through the text format: no W313 (the id checks
# out), and the same ids; the text format writes each direction back where it stood.
printf '来访者：我很高兴。\n\n（沉默片刻，泪如雨下）\n\n是的。\n\n心理咨询师：好的。（微笑）你呢？\n' >t.txt
roles="--role 来访者=user --role 心理咨询师=assistant"
"$DLGCONV" convert -q $roles --split all=1 --compress none t.txt -o out || exit
"$DLGCONV" validate out/all.jsonl
echo "exit $?"
"$DLGCONV" convert -q $roles --split all=1 --compress none --format text t.txt -o text || exit
sed 's/.*"text":"\(.*\)".*/\1/' text/all.jsonl
"$DLGCONV" convert -q --split all=1 --compress none text/all.jsonl -o back || exit
cut -d'"' -f4 out/all.jsonl back/all.jsonl
