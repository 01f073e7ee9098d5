# shellcheck shell=sh
# The first half of the command line sshd hands to the user's login shell (remote-shell.ts):
# it runs the bootstrap, given as $0, under bash when the server has it and under sh
# otherwise. It travels as a single-quoted word, so it holds no single quote; see bootstrap.sh.
if command -v bash >/dev/null 2>&1; then exec bash -c "$0"; else exec sh -c "$0"; fi
