# Sourced by .ci/run: a throwaway PostgreSQL server (Unix socket only, trust auth, removed on
# exit) so that tests/test_store.py also runs on PostgreSQL through psycopg2, the path a team's
# shared database takes. Exports RDRS_TEST_POSTGRES_URL on success; on a machine where no server
# can be installed or started it says so, and those tests skip.

_pg_as_owner() {  # PostgreSQL refuses to run as root
    if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi
}

_pg_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

start_test_postgres() {
    local bin
    bin=$(_pg_bin)
    if [ -z "$bin" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends postgresql >/dev/null || return 1
        bin=$(_pg_bin)
    fi
    [ -n "$bin" ] || return 1
    if [ "$(id -u)" = 0 ]; then id postgres >/dev/null 2>&1 || return 1; fi
    PG_TEST_DIR=$(mktemp -d) || return 1
    if [ "$(id -u)" = 0 ]; then chown postgres "$PG_TEST_DIR" || return 1; fi
    trap stop_test_postgres EXIT
    _pg_as_owner "'$bin/initdb' -D '$PG_TEST_DIR/data' -A trust -U postgres -E UTF8 >'$PG_TEST_DIR/init.log' 2>&1" || return 1
    _pg_as_owner "'$bin/pg_ctl' -D '$PG_TEST_DIR/data' -l '$PG_TEST_DIR/server.log' -w -o \"-k '$PG_TEST_DIR' -p 54329 -c listen_addresses=''\" start >/dev/null" || return 1
    _pg_as_owner "'$bin/createdb' -h '$PG_TEST_DIR' -p 54329 -U postgres rdrs_test" || return 1
    pip install -q psycopg2-binary || return 1
    export RDRS_TEST_POSTGRES_URL="postgresql+psycopg2://postgres@/rdrs_test?host=$PG_TEST_DIR&port=54329"
    echo "PostgreSQL $(basename "$(dirname "$bin")") for the store tests: $RDRS_TEST_POSTGRES_URL"
}

stop_test_postgres() {
    [ -n "${PG_TEST_DIR:-}" ] || return 0
    _pg_as_owner "'$(_pg_bin)/pg_ctl' -D '$PG_TEST_DIR/data' -m fast stop >/dev/null 2>&1" || true
    rm -rf "$PG_TEST_DIR"
}
