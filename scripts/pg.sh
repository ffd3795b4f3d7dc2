# shellcheck shell=bash
# Throwaway PostgreSQL clusters for tests and local runs. Source it after
# scripts/lib.sh (it uses info, ok, die, as_root):
#
#   source scripts/lib.sh
#   source scripts/pg.sh
#   ensure_postgres                  # PG_BIN: the server's bin directory (installs
#                                    # Debian's postgresql with apt-get if missing)
#   pg_start                         # PG_DIR, PG_PORT, PG_URL (database "postgres")
#   trap pg_stop EXIT
#   url="$(pg_create_db complaints)" # postgres://complaints@127.0.0.1:PORT/complaints
#   ...
#   pg_stop                          # stops the server, removes PG_DIR (idempotent)
#
# The cluster lives in a fresh `mktemp -d` directory: data in $PG_DIR/data, the
# server log in $PG_DIR/postgres.log, the Unix socket in $PG_DIR itself. It listens
# on 127.0.0.1 on a free port, trusts every local connection (superuser
# "complaints", no password) and runs with fsync, synchronous_commit and
# full_page_writes off: fast, and lost on a crash, which is the point.
# PostgreSQL refuses to run as root: as root, the cluster belongs to (and runs
# as) the system user complaints-pg, created on first use.
#
# One cluster per shell: the functions keep their state in the exported PG_*
# variables, so call pg_start in the shell that will call pg_stop (not in
# `$(...)` or a pipeline). Two shells may each run their own cluster at once.

# The bin directory of the newest PostgreSQL server installed: Debian keeps
# initdb/pg_ctl off PATH, in /usr/lib/postgresql/<major>/bin.
_pg_find_bin() {
    local d bin
    if [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ]; then
        printf '%s\n' "$PG_BIN"; return 0
    fi
    while read -r d; do
        [ -n "$d" ] || continue
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then printf '%s\n' "$d"; return 0; fi
    done < <(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r)
    bin="$(command -v initdb 2>/dev/null)" || return 1
    d="$(dirname "$bin")"
    [ -x "$d/pg_ctl" ] || return 1
    printf '%s\n' "$d"
}

ensure_postgres() {
    local bin
    if ! bin="$(_pg_find_bin)"; then
        info "apt-get install postgresql (~1 min)"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
        bin="$(_pg_find_bin)" || die "PostgreSQL installed, but no initdb/pg_ctl in /usr/lib/postgresql/*/bin or on PATH"
    fi
    local tool
    for tool in postgres psql createdb pg_isready; do
        [ -x "$bin/$tool" ] || die "PostgreSQL bin directory $bin has no $tool"
    done
    export PG_BIN="$bin"
    ok "postgresql" "$(version_of "$PG_BIN/postgres" --version | awk '{print $3}') ($PG_BIN)"
}

# Run a command as the cluster's owner: ourselves, or complaints-pg when root.
# (From /, so the server never trips over a cwd it may not read, e.g. /root.)
_pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u complaints-pg -- "$@")
    else
        "$@"
    fi
}

# As root: the system user that owns and runs the clusters. Two pg_start at
# once may race here: useradd fails for the loser (user exists, or
# /etc/passwd locked), so try again until the user is there.
_pg_ensure_os_user() {
    [ "$(id -u)" -eq 0 ] || return 0
    local i err=""
    for i in 1 2 3 4 5 6 7 8 9 10; do
        getent passwd complaints-pg >/dev/null && return 0
        err="$(useradd --system --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin --comment "throwaway PostgreSQL clusters (scripts/pg.sh)" \
            complaints-pg 2>&1)" && return 0
        sleep 0.5
    done
    getent passwd complaints-pg >/dev/null || die "could not create the system user complaints-pg: $err"
}

# A TCP port free on 127.0.0.1 right now (the kernel's pick; someone may take
# it before postgres binds it, so pg_start retries on "Address already in use").
_pg_free_port() {
    if command -v python3 >/dev/null 2>&1 && python3 -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()' 2>/dev/null; then
        return 0
    fi
    # No python3: a random high port that nothing answers on.
    local port i
    for i in $(seq 1 100); do
        port=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            printf '%s\n' "$port"; return 0
        fi
    done
    return 1
}

pg_start() {
    if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
        die "pg_start: a cluster is already running in $PG_DIR (pg_stop it first)"
    fi
    [ -n "${PG_BIN:-}" ] || ensure_postgres
    _pg_ensure_os_user

    local dir
    dir="$(mktemp -d -t complaints-pg.XXXXXX)" || die "pg_start: mktemp -d failed"
    if [ "$(id -u)" -eq 0 ]; then
        chown complaints-pg: "$dir" || { rm -rf "$dir"; die "pg_start: chown complaints-pg $dir failed"; }
        # complaints-pg must be able to reach it: $TMPDIR may be under /root.
        if ! _pg_as_owner test -w "$dir"; then
            rm -rf "$dir"
            dir="$(mktemp -d /tmp/complaints-pg.XXXXXX)" || die "pg_start: mktemp -d /tmp failed"
            chown complaints-pg: "$dir"
            _pg_as_owner test -w "$dir" || { rm -rf "$dir"; die "pg_start: complaints-pg cannot write $dir"; }
        fi
    fi
    # From here on pg_stop can clean up whatever happens.
    export PG_DIR="$dir"

    if ! _pg_as_owner "$PG_BIN/initdb" -D "$dir/data" -U complaints -A trust -E UTF8 --locale=C \
            --no-sync >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        pg_stop
        die "pg_start: initdb failed"
    fi

    local port attempt
    for attempt in 1 2 3 4 5; do
        port="$(_pg_free_port)" || { pg_stop; die "pg_start: no free TCP port found"; }
        if _pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 -s \
                -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir \
-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
                start; then
            break
        fi
        if [ "$attempt" -lt 5 ] && grep -q 'Address already in use' "$dir/postgres.log" 2>/dev/null; then
            info "postgres: port $port was taken, trying another"
            port=""
            continue
        fi
        tail -n 20 "$dir/postgres.log" >&2 2>/dev/null || true
        pg_stop
        die "pg_start: postgres did not start (log above)"
    done
    [ -n "$port" ] || { pg_stop; die "pg_start: postgres found no free port"; }

    local i
    for i in $(seq 1 100); do
        "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U complaints -d postgres && break
        [ "$i" -lt 100 ] || { tail -n 20 "$dir/postgres.log" >&2; pg_stop; die "pg_start: postgres not ready on 127.0.0.1:$port"; }
        sleep 0.1
    done

    export PG_PORT="$port"
    export PG_URL="postgres://complaints@127.0.0.1:$port/postgres"
    ok "postgres" "127.0.0.1:$port (throwaway cluster in $dir)"
}

pg_stop() {
    local dir="${PG_DIR:-}"
    unset PG_DIR PG_PORT PG_URL
    [ -n "$dir" ] || return 0
    # Only ever remove what pg_start made.
    case "$dir" in
        */complaints-pg.??????) ;;
        *) printf 'warning: pg_stop: not removing unexpected PG_DIR %s\n' "$dir" >&2; return 0 ;;
    esac
    [ -d "$dir" ] || return 0
    if [ -f "$dir/data/postmaster.pid" ]; then
        if [ -z "${PG_BIN:-}" ] \
            || ! _pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -w -t 30 -s -m fast stop >/dev/null 2>&1; then
            # Still there (or no pg_ctl): stop the postmaster directly.
            local pid
            pid="$(head -n1 "$dir/data/postmaster.pid" 2>/dev/null || true)"
            if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
                kill -QUIT "$pid" 2>/dev/null || true
                sleep 1
                kill -KILL "$pid" 2>/dev/null || true
            fi
        fi
    fi
    rm -rf "$dir"
}

# pg_create_db NAME: create database NAME in the running cluster; prints its URL
# (and nothing else) on stdout.
pg_create_db() {
    local name="${1:-}"
    [[ "$name" =~ ^[A-Za-z0-9_][A-Za-z0-9_-]*$ ]] || die "pg_create_db: want a database name of [A-Za-z0-9_-], got '$name'"
    [ -n "${PG_PORT:-}" ] && [ -n "${PG_BIN:-}" ] || die "pg_create_db: no cluster running (pg_start first)"
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U complaints "$name" >&2 \
        || die "pg_create_db: createdb $name failed"
    printf 'postgres://complaints@127.0.0.1:%s/%s\n' "$PG_PORT" "$name"
}
