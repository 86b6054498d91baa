#!/bin/sh
# stdin can be read once: naming it twice is a usage error, not a second, empty input
printf '### Human: hi\n### Assistant: hello\n' | "$DLGCONV" validate - -
echo "exit $?"
printf '### Human: hi\n### Assistant: hello\n' | "$DLGCONV" validate - -- -
echo "exit $?"
printf '### Human: hi\n### Assistant: hello\n' | "$DLGCONV" validate -
echo "exit $?"
