#!/bin/sh
# issue 13: a template whose speakers are unmapped is one E201 that names their labels (was
# W308 on each of its five marker lines and E201); mapped, it converts
cd "$FIXTURES/realworld" || exit
"$DLGCONV" validate llama-cpp-chat-with-vicuna-v0.txt
"$DLGCONV" validate --role '[[USER_NAME]]=user' --role '[[AI_NAME]]=assistant' \
	llama-cpp-chat-with-vicuna-v0.txt
