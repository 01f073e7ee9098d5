# shellcheck shell=sh
# The bootstrap: the second half of the command line sshd hands to the user's login shell,
# run by choose-shell.sh. The command line is fixed text: no value from the inputs is ever
# part of it. The program itself (script, variables, deploy steps) comes over stdin, so it
# has no argv size limit and never shows in the server's process list.
#
# It travels as one single-quoted word, which survives the login shell's quoting alike in sh,
# bash, zsh and fish only if it holds no single quote. remote-shell.ts drops the comment lines
# and joins the others with spaces: each line ends its command with ';'.
#
# 1. Prints its process group on stderr, so that a timed-out program can be killed whole from
#    a second channel (sshd makes each session its own process group).
# 2. Reads the whole program before running any of it, then points stdin at /dev/null: a
#    command in the program that reads stdin gets end-of-file instead of eating the rest of
#    the program or waiting forever. (The trailing '.' keeps the program's last newlines.)
# 3. Evaluates it. The program's first lines (strict-mode.sh) unset the variables used here.
#
# shellcheck disable=SC2086 # the fields of /proc/PID/stat are split on purpose
__srd_g=; read -r __srd_g </proc/$$/stat 2>/dev/null && __srd_g=${__srd_g##*) } && set -- $__srd_g && __srd_g=$3;
printf "ssh-redeploy-pgid %s\n" "$__srd_g" >&2;
__srd_s=$(cat; printf .); exec </dev/null; eval "${__srd_s%.}"
