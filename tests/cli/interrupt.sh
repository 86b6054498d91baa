#!/bin/sh
# SIGINT while a run is reading: exit 3, the earlier output left as it was, no temporary file
"$DLGCONV" convert -q "$FIXTURES/valid/seed.txt" -o out 2>/dev/null || exit
cp -r out before
mkfifo in.txt
"$DLGCONV" convert -q --force in.txt -o out 2>err &
pid=$!
exec 3>in.txt # returns once dlgconv has opened the FIFO
printf '### Human: hi' >&3
kill -INT $pid
sleep 0.2
exec 3>&- # should the signal have come before a read started, the end of input lets it go on
wait $pid
echo "exit $?"
cat err
diff -r before out && echo "output unchanged"
ls -A out | grep -c dlgconv-tmp
