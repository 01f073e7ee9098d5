# shellcheck shell=sh
# Service mode's one change at a time: runs `docker` with the arguments in ARGS, one a line
# (swarm-spec.ts builds them; no argument holds a line break), as words, never through a
# shell's parsing. With REGISTRY set, it first logs in to that registry into a private Docker
# config folder (mode 700), so that --with-registry-auth hands those credentials to Swarm,
# and removes the folder when it ends, however it ends. With MERGE set to 1, docker's stderr
# joins its stdout (for logs, whose lines go to both). With FILE set, its text is written to a
# private folder (mode 700) as compose.yml, whose path replaces each argument `@file`; the
# folder goes when the program ends. With HEALTH_IMAGE set, it pulls that image (with the
# login) to see whether it has a HEALTHCHECK of its own: without one, the lines of HEALTH_ARGS
# replace the argument `@health`; with one, those of HEALTH_RESET do (Swarm's --health-cmd
# would override the image's check) and a line `<nonce> image-healthcheck` says so. It runs
# after strict-mode.sh and a prelude that sets NONCE, ARGS, MERGE, FILE, REGISTRY,
# REGISTRY_USERNAME, REGISTRY_PASSWORD, HEALTH_IMAGE, HEALTH_ARGS and HEALTH_RESET.
#
# Exit codes: docker's own, or 12 when the registry login failed.

: "${NONCE:?}" "${ARGS:?}" "${MERGE:?}" "${FILE?}" "${REGISTRY?}" "${REGISTRY_USERNAME?}" "${REGISTRY_PASSWORD?}" "${HEALTH_IMAGE?}" "${HEALTH_ARGS?}" "${HEALTH_RESET?}"

LOGIN_CONFIG=
WORK=
# shellcheck disable=SC2317 # run by the traps
cleanup() {
  if [ -n "$LOGIN_CONFIG" ]; then rm -rf "$LOGIN_CONFIG"; fi
  if [ -n "$WORK" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "$REGISTRY" ]; then
  LOGIN_CONFIG=$(umask 077 && mktemp -d "${TMPDIR:-/tmp}/ssh-redeploy-auth.XXXXXXXX")
  DOCKER_CONFIG=$LOGIN_CONFIG
  export DOCKER_CONFIG
  if ! problem=$(printf '%s' "$REGISTRY_PASSWORD" |
    docker login --username "$REGISTRY_USERNAME" --password-stdin "$REGISTRY" 2>&1 >/dev/null); then
    printf '%s reason could not log in to %s: %s\n' "$NONCE" "$REGISTRY" "$(printf '%s' "$problem" | tail -n 1)"
    exit 12
  fi
fi

if [ -n "$FILE" ]; then
  WORK=$(umask 077 && mktemp -d "${TMPDIR:-/tmp}/ssh-redeploy-file.XXXXXXXX")
  printf '%s\n' "$FILE" >"$WORK/compose.yml"
fi

# An image that cannot be pulled keeps the flags: Swarm then fails to pull it too, and says so.
HEALTH=$HEALTH_ARGS
if [ -n "$HEALTH_IMAGE" ] && docker pull --quiet "$HEALTH_IMAGE" >/dev/null 2>&1; then
  # CMD or CMD-SHELL: a check of its own; NONE (HEALTHCHECK NONE) or nothing: none.
  kind=$(docker image inspect --format '{{if .Config.Healthcheck}}{{if .Config.Healthcheck.Test}}{{index .Config.Healthcheck.Test 0}}{{end}}{{end}}' "$HEALTH_IMAGE" 2>/dev/null) || kind=
  case $kind in
    CMD | CMD-SHELL)
      HEALTH=$HEALTH_RESET
      printf '%s image-healthcheck\n' "$NONCE"
      ;;
  esac
fi

NL='
'
rest="$ARGS$NL"
set --
while [ -n "$rest" ]; do
  arg=${rest%%"$NL"*}
  rest=${rest#*"$NL"}
  if [ "$arg" = @health ]; then
    more="$HEALTH$NL"
    while [ "$more" != "$NL" ] && [ -n "$more" ]; do
      set -- "$@" "${more%%"$NL"*}"
      more=${more#*"$NL"}
    done
    continue
  fi
  if [ "$arg" = @file ] && [ -n "$WORK" ]; then arg=$WORK/compose.yml; fi
  set -- "$@" "$arg"
done

# The step may be cancelled or killed while docker runs: the SSH connection drops, and nothing
# on the server notices until something is written to the channel. A watchdog writes an empty
# line every second; when that fails, it stops docker, and the EXIT trap removes the login and
# the file at once instead of whenever docker would have returned.
if [ "$MERGE" = 1 ]; then
  docker "$@" 2>&1 &
else
  docker "$@" &
fi
DOCKER_PID=$!
(
  trap '' PIPE
  while kill -0 "$DOCKER_PID" 2>/dev/null; do
    # Not on the channel: a sleep left running must not hold it open once docker is done.
    sleep 1 >/dev/null 2>&1
    if ! printf '\n' 2>/dev/null; then
      kill "$DOCKER_PID" 2>/dev/null || true
      exit 0
    fi
  done
) &
WATCHDOG_PID=$!
status=0
wait "$DOCKER_PID" || status=$?
kill "$WATCHDOG_PID" 2>/dev/null || true
exit "$status"
