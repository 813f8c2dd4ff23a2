#!/bin/sh
# Restart script of the demo: starts the throw-away daemon "mamori-demod"
# (a sleep whose argv[0] is mamori-demod) in the background and exits 0,
# as a ProcessSaver restart script must.
setsid /bin/bash -c 'exec -a mamori-demod sleep 86400' </dev/null >/dev/null 2>&1 &
exit 0
