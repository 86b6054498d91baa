# A conversation keeps the first 100 findings of a code; the rest are one more finding, after
# the last listed, that counts them: a W308 on each of 16 million lines would otherwise take
# 5 GB (304 bytes each). Other codes are kept as usual; the JSON record's too.
{
	echo '### Human: hi'
	i=0
	while [ $i -lt 103 ]; do
		echo "## Step $i: stir"
		i=$((i + 1))
	done
	echo '### Assistant: ok'
	echo '### Assistant: again'
} >steps.txt
$DLGCONV validate steps.txt >out.txt
echo "exit $?"
wc -l <out.txt
head -2 out.txt
tail -4 out.txt
