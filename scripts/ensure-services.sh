#!/bin/sh
# Make the services the test suite talks to available on this machine.
# PostgreSQL at 127.0.0.1:5432: start the Debian cluster if it is installed but down.
set -u
if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    version=$(ls /etc/postgresql | head -n 1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        pg_isready -q -h 127.0.0.1 -p 5432 && exit 0
        sleep 1
    done
fi
echo "note: PostgreSQL is not reachable on 127.0.0.1:5432; its tests are skipped (and fail under CI=true)" >&2
exit 0
