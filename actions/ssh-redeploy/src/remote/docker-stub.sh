#!/bin/sh
# The tests' stand-in for docker (program-testing.ts puts it first on the PATH of the programs
# it runs). It records each call in $STUB_DIR/calls, as the argument count and then each
# argument, all NUL-terminated, so that any argument reads back byte for byte; it keeps
# containers as folders under $STUB_DIR/containers (image, state, restart) and answers from
# them. A file $STUB_DIR/pull-fails makes `docker pull` fail; $STUB_DIR/run-state is the
# state `docker run` gives the new container (running, by default); $STUB_DIR/login-fails
# makes `docker login` fail. Swarm's commands answer from $STUB_DIR/service (see below), and
# `docker image inspect` from $STUB_DIR/image-healthcheck.
set -eu
printf '%s\0' "$#" "$@" >>"$STUB_DIR/calls"
containers=$STUB_DIR/containers
# Most commands act on the container named last.
for last in "$@"; do :; done

case $1 in
  version | logout | update) ;;
  login)
    cat >"$STUB_DIR/login-password"
    printf '%s\n' "${DOCKER_CONFIG:-}" >"$STUB_DIR/login-config"
    if [ -e "$STUB_DIR/login-fails" ]; then
      echo 'Error response from daemon: unauthorized: incorrect username or password' >&2
      exit 1
    fi
    ;;
  info)
    echo 'active true'
    ;;
  service)
    # Swarm's commands: a service exists when $STUB_DIR/service holds its inspect JSON.
    case $2 in
      inspect)
        if [ -e "$STUB_DIR/service" ]; then
          cat "$STUB_DIR/service"
        else
          echo '[]'
          echo "Status: Error: no such service: $last, Code: 1" >&2
          exit 1
        fi
        ;;
      ps)
        if [ -e "$STUB_DIR/service" ]; then printf 'task1\ntask2\n'; fi
        ;;
      create | update)
        # What --with-registry-auth would read: the Docker config folder, while it exists.
        if [ -n "${DOCKER_CONFIG:-}" ]; then
          stat -c %a "$DOCKER_CONFIG" >"$STUB_DIR/docker-config-mode"
          printf '%s\n' "$DOCKER_CONFIG" >"$STUB_DIR/docker-config"
        fi
        # $STUB_DIR/slow: a command that hangs (as one waiting on an unreachable registry).
        if [ -e "$STUB_DIR/slow" ]; then exec sleep 60; fi
        echo 'service-id'
        ;;
      logs)
        echo 'web.1@node-1 | to stdout'
        echo 'web.1@node-1 | to stderr' >&2
        ;;
    esac
    ;;
  inspect)
    # inspect --type task IDS...
    printf '[{"ID":"task1","Slot":1,"NodeID":"n1"},{"ID":"task2","Slot":2,"NodeID":"n1"}]\n'
    ;;
  stack)
    # stack deploy --compose-file FILE ... NAME: keeps a copy of the file and its folder's mode.
    cp "$4" "$STUB_DIR/stack-file"
    stat -c %a "$(dirname "$4")" >"$STUB_DIR/stack-file-mode"
    ;;
  node)
    case $2 in
      ls) echo n1 ;;
      inspect) echo 'n1 node-1' ;;
    esac
    ;;
  pull)
    # $STUB_DIR/pull-slow: a pull that hangs, after leaving $STUB_DIR/pulling.
    if [ -e "$STUB_DIR/pull-slow" ]; then
      : >"$STUB_DIR/pulling"
      exec sleep 60
    fi
    if [ -e "$STUB_DIR/pull-fails" ]; then
      echo "pull access denied for $2" >&2
      exit 1
    fi
    ;;
  container)
    # container inspect [--format FORMAT] NAME
    if [ ! -d "$containers/$last" ]; then
      echo "Error: No such container: $last" >&2
      exit 1
    fi
    if [ "$3" = --format ]; then
      case $4 in
        '{{.Config.Image}}') cat "$containers/$last/image" ;;
        '{{.HostConfig.RestartPolicy.Name}}'*) cat "$containers/$last/restart" ;;
        '{{if .State.Health}}yes{{end}}') ;;
        '{{.State.Running}}')
          case $(cat "$containers/$last/state") in
            running*) echo true ;;
            *) echo false ;;
          esac
          ;;
        '{{.State.Status}}'*) cat "$containers/$last/state" ;;
        *)
          echo "the stub cannot answer --format $4" >&2
          exit 2
          ;;
      esac
    fi
    ;;
  run)
    # $STUB_DIR/slow: a docker run that hangs (as one pulling from a stalled registry).
    if [ -e "$STUB_DIR/slow" ]; then exec sleep 60; fi
    shift
    name=
    env_file=
    while [ $# -gt 1 ]; do
      case $1 in
        --name) name=$2 ;;
        --env-file) env_file=$2 ;;
      esac
      shift
    done
    mkdir "$containers/$name"
    printf '%s\n' "$1" >"$containers/$name/image"
    if [ -e "$STUB_DIR/run-state" ]; then
      cp "$STUB_DIR/run-state" "$containers/$name/state"
    else
      echo 'running 0 0 ' >"$containers/$name/state"
    fi
    echo 'unless-stopped 0' >"$containers/$name/restart"
    if [ -n "$env_file" ]; then
      cp "$env_file" "$STUB_DIR/env-file"
      stat -c %a "$env_file" >"$STUB_DIR/env-file-mode"
    fi
    ;;
  rename)
    mv "$containers/$2" "$containers/$3"
    ;;
  rm)
    rm -r "${containers:?}/$last"
    ;;
  stop)
    echo 'exited 0 0 ' >"$containers/$last/state"
    ;;
  start)
    echo 'running 0 0 ' >"$containers/$last/state"
    ;;
  logs)
    printf 'starting the app\nthe app failed: no database\n'
    ;;
  image)
    # image prune --force, or image inspect --format FORMAT IMAGE: the first word of the image's
    # HEALTHCHECK test is the text of $STUB_DIR/image-healthcheck (none without that file).
    if [ "$2" = inspect ] && [ -e "$STUB_DIR/image-healthcheck" ]; then
      cat "$STUB_DIR/image-healthcheck"
    fi
    ;;
  *)
    echo "the stub does not know docker $1" >&2
    exit 2
    ;;
esac
