# shellcheck shell=sh
# Ends a program that outlived command-timeout, from a second channel: SIGKILL to its whole
# process group, whose number the program's bootstrap printed.

# PGID comes from the prelude the action writes before this text; without it, stop here.
: "${PGID:?}"
kill -s KILL -- "-$PGID"
