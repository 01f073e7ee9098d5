# shellcheck shell=sh
# The first lines of every program the action runs on a server, before its prelude of values:
# the bootstrap's variables and arguments wiped, then strict mode.
unset -v __srd_s __srd_g __srd_n
set --
set -eu
# pipefail is in bash and recent dash; where the shell lacks it, a pipeline keeps sh's rule.
# shellcheck disable=SC3040
(set -o pipefail) 2>/dev/null && set -o pipefail
