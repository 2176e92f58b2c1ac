#!/bin/sh
# Same contract as the official nats image's entrypoint: arguments that start with '-' are
# nats-server flags; anything else is a command to run.
set -e
if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
  set -- nats-server "$@"
fi
exec "$@"
