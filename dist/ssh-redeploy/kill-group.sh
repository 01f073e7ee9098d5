# shellcheck shell=sh
# Ends a program that outlived command-timeout, from a second channel: SIGTERM to its whole
# process group (whose number the program's bootstrap printed), so that its traps can clean
# up and roll back; SIGKILL to what is left of the group after GRACE seconds.

# PGID and GRACE come from the prelude the action writes before this text; without them, stop.
: "${PGID:?}" "${GRACE:?}"
if ! kill -s TERM -- "-$PGID" 2>/dev/null; then exit 0; fi
waited=0
while [ "$waited" -lt "$GRACE" ] && kill -s 0 -- "-$PGID" 2>/dev/null; do
  sleep 1
  waited=$((waited + 1))
done
if kill -s 0 -- "-$PGID" 2>/dev/null; then
  echo "still running ${GRACE}s after SIGTERM: killed" >&2
  kill -s KILL -- "-$PGID" 2>/dev/null || true
fi
