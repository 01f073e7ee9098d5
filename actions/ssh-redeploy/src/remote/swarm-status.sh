# shellcheck shell=sh
# Service mode's look at a service: prints what the manager knows of it, in sections that
# start with a line `<nonce> <section>` (the nonce is fresh for each deploy, so nothing Swarm
# reports can pass for one of them), for swarm-status.ts to read:
#   swarm    this node's Swarm state and whether it is a manager (when CHECK is 1);
#   socket   DOCKER_HOST and DOCKER_CONTEXT, one a line, for the action to find the daemon's
#            socket (when CHECK is 1);
#   service  `docker service inspect` of the service, `[]` when there is none;
#   tasks    `docker inspect` of its tasks, the history Swarm keeps included: when TASKS is
#            1, or `unless-updating` and the service's update state is not `updating` (while
#            an update runs, the action mostly asks about the service alone);
#   nodes    `ID HOSTNAME` of every node, to name where tasks run (when NODES is 1: the
#            action keeps the names, and asks again only for a node it does not know).
# It changes nothing. It runs after strict-mode.sh and a prelude that sets NONCE, SERVICE
# (checked against Swarm's grammar by swarm-spec.ts), CHECK, TASKS and NODES.

: "${NONCE:?}" "${SERVICE:?}" "${CHECK:?}" "${TASKS:?}" "${NODES:?}"

section() { printf '%s %s\n' "$NONCE" "$1"; }

if [ "$CHECK" = 1 ]; then
  if ! command -v docker >/dev/null 2>&1; then
    echo "docker is not installed, or not on the PATH of $(id -un) on this server" >&2
    exit 11
  fi
  # Only a manager of an active Swarm lists services: when the service is there, that answers
  # the check too, and docker info is asked only otherwise (one docker command less).
  if service=$(docker service inspect "$SERVICE" 2>/dev/null); then
    state='active true'
  else
    service='[]'
    if ! state=$(docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2>&1); then
      echo "the Docker daemon does not answer $(id -un): $(printf '%s' "$state" | tail -n 1) (is the user in the docker group, or DOCKER_HOST set?)" >&2
      exit 11
    fi
  fi
  section swarm
  printf '%s\n' "$state"
  section socket
  printf '%s\n%s\n' "${DOCKER_HOST-}" "${DOCKER_CONTEXT-}"
elif ! service=$(docker service inspect "$SERVICE" 2>/dev/null); then
  service='[]'
fi

section service
printf '%s\n' "$service"

case $TASKS in
  1) ;;
  unless-updating)
    case $service in
      *'"State": "updating"'*)
        section end
        exit 0
        ;;
    esac
    ;;
  *)
    section end
    exit 0
    ;;
esac

section tasks
tasks=$(docker service ps --quiet --no-trunc "$SERVICE" 2>/dev/null || true)
found=
if [ -n "$tasks" ]; then
  # Task IDs are words of letters and digits: splitting them is what is meant. Swarm may drop
  # a task from its history between the two commands: inspect then lists the others and fails.
  # shellcheck disable=SC2086
  found=$(docker inspect --type task $tasks 2>/dev/null) || true
fi
printf '%s\n' "${found:-[]}"

section nodes
if [ "$NODES" = 1 ]; then
  nodes=$(docker node ls --quiet 2>/dev/null || true)
  if [ -n "$nodes" ]; then
    # shellcheck disable=SC2086
    docker node inspect --format '{{.ID}} {{.Description.Hostname}}' $nodes
  fi
fi
section end
