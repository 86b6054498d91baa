# bash completion for dlgconv
_dlgconv()
{
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
	}
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "convert validate stats leakage explain map reduce finalize --help --version" -- "$cur"))
		return
	fi
	case $prev in
	--stage) COMPREPLY=($(compgen -W "extract keep strip" -- "$cur")); return ;;
	--split-key) COMPREPLY=($(compgen -W "content source group" -- "$cur")); return ;;
	--trailing-user) COMPREPLY=($(compgen -W "error drop" -- "$cur")); return ;;
	--leading-assistant) COMPREPLY=($(compgen -W "error drop keep" -- "$cur")); return ;;
	--near-dup) COMPREPLY=($(compgen -W "group drop off" -- "$cur")); return ;;
	--format) COMPREPLY=($(compgen -W "messages sharegpt text preference openai-preference" -- "$cur")); return ;;
	--compress) COMPREPLY=($(compgen -W "gzip none" -- "$cur")); return ;;
	--diagnostics) COMPREPLY=($(compgen -W "gcc json github sarif" -- "$cur")); return ;;
	-o | --output) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--config | --html | --against) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	esac
	if [[ $cur == -* ]]; then
		# the options of the command, read from its own --help
		local opts
		opts=$("${COMP_WORDS[0]}" "${COMP_WORDS[1]}" --help 2>/dev/null |
			grep -o -- '--[a-z][a-z-]*' | sort -u)
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
}
complete -F _dlgconv dlgconv
