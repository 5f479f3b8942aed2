#!/bin/sh
# Make the services the test suite talks to available on this machine.
# - PostgreSQL at 127.0.0.1:5432: start the Debian cluster if it is installed but down.
# - Dovecot (Debian package dovecot-imapd): the IMAP tests start private instances of it;
#   install it when missing and we are root.
# - Chromium (Debian package chromium): the dashboard's browser test drives it headless;
#   install it when missing and we are root. Nothing here fails the run.
set -u

ensure_postgres() {
    if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
        return 0
    fi
    if [ "$(id -u)" = "0" ] && command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
        version=$(ls /etc/postgresql | head -n 1)
        pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            pg_isready -q -h 127.0.0.1 -p 5432 && return 0
            sleep 1
        done
    fi
    echo "note: PostgreSQL is not reachable on 127.0.0.1:5432; its tests are skipped (and fail under CI=true)" >&2
}

ensure_dovecot() {
    if command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ]; then
        return 0
    fi
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        # The package lists may be missing or old: update once if the first try fails.
        apt-get install -y -qq dovecot-imapd >/dev/null 2>&1 ||
            { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq dovecot-imapd >/dev/null 2>&1; } ||
            true
        if [ -x /usr/sbin/dovecot ]; then
            return 0
        fi
    fi
    echo "note: dovecot (Debian package dovecot-imapd) is not installed; the IMAP tests are skipped (and fail under CI=true)" >&2
}

ensure_chromium() {
    if command -v chromium >/dev/null 2>&1; then
        return 0
    fi
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -qq chromium >/dev/null 2>&1 ||
            { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1; } ||
            true
        if command -v chromium >/dev/null 2>&1; then
            return 0
        fi
    fi
    echo "note: chromium is not installed; the browser test is skipped (and fails under CI=true)" >&2
}

ensure_postgres
ensure_dovecot
ensure_chromium
exit 0
