#!/usr/bin/env bash
# Real database servers for lucia-core's adapter tests, all on 127.0.0.1.
#
#   scripts/backends.sh start   [NAMES...]   install if missing, start, wait until ready
#   scripts/backends.sh stop    [NAMES...]   stop (data is kept; redis has no persistence)
#   scripts/backends.sh restart  NAMES...
#   scripts/backends.sh status  [NAMES...]
#   scripts/backends.sh env                  eval "$(scripts/backends.sh env)"
#
# NAMES: postgres pgbouncer mariadb redis redis-cluster redis-sentinel ferretdb
#        (default: all)
#
# State (data, configs, logs, pid files) lives in $LUCIA_BACKENDS_DIR
# (default: <repo>/.backends).  Delete it (after `stop`) for a clean slate.
#
#   postgres       PostgreSQL (Debian `postgresql`), own cluster, 127.0.0.1:54329
#   mariadb        MariaDB (Debian `mariadb-server`), own datadir, 127.0.0.1:33069
#   redis          redis-server, 127.0.0.1:63799, no persistence
#   redis-cluster  3 masters, no replicas, 127.0.0.1:7001-7003, no persistence
#   pgbouncer      PgBouncer (Debian `pgbouncer`) in transaction pooling mode in
#                  front of the postgres server (started too), 127.0.0.1:64329
#   redis-sentinel a primary (127.0.0.1:26389) and a replica (:26390) watched by
#                  three sentinels (:26379-26381) as service `lucia`; no persistence;
#                  a start regenerates all five (the replica's data is a copy)
#   ferretdb       FerretDB v1.24.2 (SQLite backend) as the MongoDB server,
#                  127.0.0.1:27019; skipped when LUCIA_MONGODB_URL is set
#                  (an external server is used), replaced by `mongod` on the
#                  same port when mongod is on PATH (unless
#                  LUCIA_MONGODB_SERVER=ferretdb).
#
# Env overrides: LUCIA_BACKENDS_DIR, LUCIA_BACKENDS_TIMEOUT (seconds per server,
# default 60), LUCIA_PG_PORT, LUCIA_MYSQL_PORT, LUCIA_REDIS_PORT,
# LUCIA_REDIS_CLUSTER_PORT (first of 3), LUCIA_MONGODB_PORT, LUCIA_PGBOUNCER_PORT,
# LUCIA_REDIS_SENTINEL_PORT (first sentinel; the primary and replica are +10, +11),
# LUCIA_MONGODB_SERVER (auto|ferretdb|mongod), LUCIA_BACKENDS_NO_INSTALL=1 (fail
# instead of installing packages or building FerretDB).
set -Eeuo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${LUCIA_BACKENDS_DIR:-$REPO/.backends}
case $STATE in /*) ;; *) STATE=$PWD/$STATE ;; esac
TIMEOUT=${LUCIA_BACKENDS_TIMEOUT:-60}

PG_PORT=${LUCIA_PG_PORT:-54329}
MY_PORT=${LUCIA_MYSQL_PORT:-33069}
REDIS_PORT=${LUCIA_REDIS_PORT:-63799}
RC_PORT=${LUCIA_REDIS_CLUSTER_PORT:-7001}
RC_PORTS=("$RC_PORT" "$((RC_PORT + 1))" "$((RC_PORT + 2))")
MONGO_PORT=${LUCIA_MONGODB_PORT:-27019}
PB_PORT=${LUCIA_PGBOUNCER_PORT:-64329}
SN_PORT=${LUCIA_REDIS_SENTINEL_PORT:-26379}
SN_PORTS=("$SN_PORT" "$((SN_PORT + 1))" "$((SN_PORT + 2))")
SN_DATA_PORTS=("$((SN_PORT + 10))" "$((SN_PORT + 11))") # primary, replica (at start)
SN_SERVICE=lucia
FERRET_DEBUG_PORT=$((MONGO_PORT + 10)) # FerretDB's metrics/debug HTTP listener
FERRETDB_VERSION=v1.24.2
FERRETDB_COMMIT=cda72d440810406a208c4670aa7047f5bc8d528f # tag v1.24.2

# Credentials of the test servers (loopback only, throwaway data).
DB_NAME=lucia
DB_USER=lucia
DB_PASS=lucia
PG_SUPERPASS=postgres

ALL_NAMES=(postgres pgbouncer mariadb redis redis-cluster redis-sentinel ferretdb)
# Go (to build FerretDB) may be installed without being on PATH.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
    PATH=$PATH:/usr/local/go/bin
fi
HOST=127.0.0.1

log() { printf '[backends] %s\n' "$*" >&2; }
die() { printf '[backends] ERROR: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

as_root() {
    if is_root; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root to run: $* (not root and no sudo); install the packages by hand"
    fi
}

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null; }

# proc_alive PID: process exists and is not a zombie (a zombie is an exited
# server not yet reaped by init, which can take a while in containers)
proc_alive() {
    kill -0 "$1" 2>/dev/null || return 1
    local st
    st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null) || st=""
    [ "$st" != Z ] && [ "$st" != X ]
}

# pid_alive PIDFILE [COMM]: pid in file is alive (and its command name matches)
pid_of() { [ -r "$1" ] && head -n1 "$1" | tr -dc '0-9'; }
pid_alive() {
    local pid
    pid=$(pid_of "$1") || return 1
    [ -n "$pid" ] && proc_alive "$pid" || return 1
    if [ -n "${2:-}" ]; then
        grep -q -- "$2" "/proc/$pid/comm" 2>/dev/null || return 1
    fi
}

# wait_until SECONDS DESCRIPTION LOGFILE CMD...: poll CMD until it succeeds.
wait_until() {
    local secs=$1 what=$2 logf=$3
    shift 3
    local deadline=$((SECONDS + secs))
    until "$@" >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            log "last lines of $logf:"
            tail -n 20 "$logf" >&2 2>/dev/null || true
            die "$what not ready after ${secs}s; see log $logf"
        fi
        sleep 0.2
    done
}

# stop_pid PIDFILE NAME: SIGTERM, wait, SIGKILL as last resort.
stop_pid() {
    local pidfile=$1 name=$2 pid i
    pid=$(pid_of "$pidfile") || { rm -f "$pidfile"; return 0; }
    if [ -n "$pid" ] && proc_alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < TIMEOUT * 20; i++)); do
            proc_alive "$pid" || break
            sleep 0.05
        done
        if proc_alive "$pid"; then
            log "$name (pid $pid) did not stop in ${TIMEOUT}s, killing it"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.2
        fi
    fi
    rm -f "$pidfile"
}

# Close every fd above 2 (the lock on fd 9, and whatever the caller leaked
# to us, e.g. a CI runner's pipes) so servers never hold them open.
close_extra_fds() {
    local f fd
    for f in /proc/"$BASHPID"/fd/*; do
        fd=${f##*/}
        [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null || true
    done
}

# detached LOG CMD...: run CMD in its own session with stdin from /dev/null,
# stdout/stderr appended to LOG and no other inherited fds; waits for CMD
# (for programs that daemonize themselves: redis-server, pg_ctl).
detached() {
    local logf=$1
    shift
    (
        exec </dev/null >>"$logf" 2>&1
        close_extra_fds
        exec setsid "$@"
    )
}

# spawn LOG CMD...: same, in the background; $! is the server's pid.
spawn() {
    local logf=$1
    shift
    (
        exec </dev/null >>"$logf" 2>&1
        close_extra_fds
        exec setsid "$@"
    ) &
}

# --------------------------------------------------------------------------
# installation

PG_BIN=""
find_pg_bin() {
    local d
    PG_BIN=""
    # shellcheck disable=SC2012 # version dirs, newest first
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
            PG_BIN=$d
            return 0
        fi
    done
    return 1
}

APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null 2>&1 ||
        die "missing packages ($*) and no apt-get: install them by hand"
    log "installing Debian packages: $*"
    # Keep the packages' own system services (5432/3306/6379) from being
    # started by the install: we only use our own instances on other ports.
    local policy=/usr/sbin/policy-rc.d made_policy=0
    if [ ! -e "$policy" ]; then
        trap 'as_root rm -f /usr/sbin/policy-rc.d' EXIT
        as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
        made_policy=1
    fi
    local rc=0
    {
        if [ "$APT_UPDATED" = 0 ]; then
            as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q && APT_UPDATED=1
        fi
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
    } >>"$STATE/install.log" 2>&1 || rc=$?
    if [ "$made_policy" = 1 ]; then
        as_root rm -f "$policy"
        trap - EXIT
    fi
    [ "$rc" = 0 ] || { tail -n 30 "$STATE/install.log" >&2; die "apt-get failed (rc=$rc); see $STATE/install.log"; }
}

ensure_packages() {
    local pkgs=() n
    for n in "$@"; do
        case $n in
        postgres) find_pg_bin && command -v psql >/dev/null 2>&1 || pkgs+=(postgresql) ;;
        mariadb)
            command -v mariadbd >/dev/null 2>&1 && command -v mariadb-install-db >/dev/null 2>&1 &&
                command -v mariadb >/dev/null 2>&1 || pkgs+=(mariadb-server mariadb-client)
            ;;
        redis | redis-cluster)
            command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 ||
                pkgs+=(redis-server redis-tools)
            ;;
        redis-sentinel)
            command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 ||
                pkgs+=(redis-server redis-tools)
            command -v redis-sentinel >/dev/null 2>&1 || pkgs+=(redis-sentinel)
            ;;
        pgbouncer)
            find_pg_bin && command -v psql >/dev/null 2>&1 || pkgs+=(postgresql)
            command -v pgbouncer >/dev/null 2>&1 || pkgs+=(pgbouncer)
            ;;
        esac
    done
    if [ "${#pkgs[@]}" -gt 0 ]; then
        [ -z "${LUCIA_BACKENDS_NO_INSTALL:-}" ] ||
            die "missing packages (${pkgs[*]}) and LUCIA_BACKENDS_NO_INSTALL is set: not installing"
        # shellcheck disable=SC2207
        pkgs=($(printf '%s\n' "${pkgs[@]}" | sort -u))
        apt_install "${pkgs[@]}"
    fi
    for n in "$@"; do
        case $n in
        postgres | pgbouncer) find_pg_bin || die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin" ;;
        esac
    done
}

# --------------------------------------------------------------------------
# PostgreSQL

PG_DIR="" PG_DATA="" PG_LOG=""
pg_paths() { # $STATE/postgres may be a link to a dir the server user can reach
    PG_DIR=$(readlink -f "$STATE/postgres" 2>/dev/null) || PG_DIR="$STATE/postgres"
    PG_DATA="$PG_DIR/data"
    PG_LOG="$PG_DIR/postgres.log"
}
PG_RUNAS="" # unprivileged user postgres runs as when we are root

pg_setup_user() {
    PG_RUNAS=""
    is_root || return 0
    if id -u postgres >/dev/null 2>&1; then
        PG_RUNAS=postgres
    else
        id -u lucia-backends >/dev/null 2>&1 ||
            useradd --system --no-create-home --shell /usr/sbin/nologin lucia-backends
        PG_RUNAS=lucia-backends
    fi
}

pg_run() { # run a PostgreSQL tool as the server's user
    if [ -n "$PG_RUNAS" ]; then runuser -u "$PG_RUNAS" -- "$@"; else "$@"; fi
}

pg_psql() {
    PGPASSWORD=$PG_SUPERPASS "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
        -h "$HOST" -p "$PG_PORT" -U postgres "$@"
}

pg_running() {
    pid_alive "$PG_DATA/postmaster.pid" postgres
}

pg_init() {
    # PostgreSQL refuses to run as root: as root it runs as user `postgres`,
    # which must be able to reach the data dir.  If the state dir's parents
    # are closed to it (e.g. a checkout under /root), keep the cluster under
    # /var/tmp and link it from the state dir.
    if [ -n "$PG_RUNAS" ] && ! runuser -u "$PG_RUNAS" -- test -x "$STATE"; then
        local alt
        alt=/var/tmp/lucia-backends-postgres/$(printf '%s' "$STATE" | md5sum | cut -c1-12)
        log "user $PG_RUNAS cannot reach $STATE; keeping postgres data in $alt"
        rm -rf "$alt"
        mkdir -p "$alt"
        chmod 711 /var/tmp/lucia-backends-postgres
        [ -L "$STATE/postgres" ] || rm -rf "$STATE/postgres"
        ln -sfn "$alt" "$STATE/postgres"
        pg_paths
    else
        mkdir -p "$PG_DIR"
    fi
    [ -n "$PG_RUNAS" ] && chown "$PG_RUNAS:" "$PG_DIR/"
    chmod 700 "$PG_DIR/"
    local pwfile="$PG_DIR/.pwfile"
    printf '%s\n' "$PG_SUPERPASS" >"$pwfile"
    [ -n "$PG_RUNAS" ] && chown "$PG_RUNAS:" "$pwfile"
    log "postgres: initdb $PG_DATA"
    pg_run "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --pwfile="$pwfile" \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 --no-sync >>"$PG_DIR/initdb.log" 2>&1 ||
        { rm -f "$pwfile"; tail -n 20 "$PG_DIR/initdb.log" >&2; die "initdb failed; see $PG_DIR/initdb.log"; }
    rm -f "$pwfile"
    cat >>"$PG_DATA/postgresql.conf" <<EOF

# --- lucia-core test server (scripts/backends.sh) ---
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = ''
max_connections = 200
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
log_line_prefix = '%m [%p] %u@%d '
EOF
    cat >"$PG_DATA/pg_hba.conf" <<EOF
# TYPE  DATABASE  USER  ADDRESS       METHOD
host    all       all   $HOST/32  scram-sha-256
EOF
}

pg_start() {
    pg_setup_user
    pg_paths
    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
        pg_init
        rm -f "$PG_DIR/.bootstrapped"
    fi
    if pg_running; then
        log "postgres: already running (pid $(pid_of "$PG_DATA/postmaster.pid"))"
    else
        port_open "$PG_PORT" && die "postgres: port $PG_PORT is in use by another process"
        local runas=()
        [ -z "$PG_RUNAS" ] || runas=(runuser -u "$PG_RUNAS" --)
        detached "$PG_DIR/pg_ctl.log" "${runas[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$TIMEOUT" -s start ||
            { tail -n 20 "$PG_LOG" >&2; die "postgres did not start; see log $PG_LOG"; }
    fi
    wait_until "$TIMEOUT" postgres "$PG_LOG" "$PG_BIN/pg_isready" -q -h "$HOST" -p "$PG_PORT"
    if [ ! -f "$PG_DIR/.bootstrapped" ]; then
        pg_psql -d postgres >/dev/null <<EOF
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASS';
  END IF;
END \$\$;
SELECT 'CREATE DATABASE $DB_NAME OWNER $DB_USER'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_NAME') \gexec
EOF
        touch "$PG_DIR/.bootstrapped"
    fi
    PGPASSWORD=$DB_PASS "$PG_BIN/psql" -X -q -h "$HOST" -p "$PG_PORT" -U "$DB_USER" -d "$DB_NAME" \
        -c 'SELECT 1' >/dev/null || die "postgres: cannot log in as $DB_USER; see log $PG_LOG"
    log "postgres: ready on $HOST:$PG_PORT"
}

pg_stop() {
    pg_setup_user
    pg_paths
    if pg_running; then
        find_pg_bin || die "pg_ctl not found"
        pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t "$TIMEOUT" -s stop </dev/null 9>&- ||
            die "postgres did not stop; see log $PG_LOG"
        log "postgres: stopped"
    fi
}

pg_version() { "$PG_BIN/postgres" --version 2>/dev/null || true; }

# --------------------------------------------------------------------------
# PgBouncer (transaction pooling) in front of the postgres server

PB_DIR=""
pb_paths() { # inside the postgres dir: as root both run as the same user, who can reach it
    pg_paths
    PB_DIR="$PG_DIR/pgbouncer"
}

pb_running() { pid_alive "$PB_DIR/pgbouncer.pid" pgbouncer; }

pb_write_conf() {
    mkdir -p "$PB_DIR"
    # Plain passwords in the auth file: PgBouncer then does SCRAM with both sides.
    printf '"%s" "%s"\n' "$DB_USER" "$DB_PASS" >"$PB_DIR/userlist.txt"
    cat >"$PB_DIR/pgbouncer.ini" <<EOF
; lucia-core test pooler (scripts/backends.sh); regenerated on each start
[databases]
* = host=$HOST port=$PG_PORT

[pgbouncer]
listen_addr = $HOST
listen_port = $PB_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $PB_DIR/userlist.txt
pool_mode = transaction
max_client_conn = 400
default_pool_size = 20
; asyncpg sends none of these, other drivers (psycopg, JDBC) do
ignore_startup_parameters = extra_float_digits,search_path
pidfile = $PB_DIR/pgbouncer.pid
logfile = $PB_DIR/pgbouncer.log
log_connections = 0
log_disconnections = 0
EOF
    chmod 600 "$PB_DIR/userlist.txt" "$PB_DIR/pgbouncer.ini"
    [ -z "$PG_RUNAS" ] || chown -R "$PG_RUNAS:" "$PB_DIR"
}

pb_login() {
    PGPASSWORD=$DB_PASS "$PG_BIN/psql" -X -q -h "$HOST" -p "$PB_PORT" -U "$DB_USER" -d "$DB_NAME" \
        -Atc 'SELECT 1' 2>/dev/null | grep -qx 1
}

pb_start() {
    pg_start # PgBouncer's server, on the same state directory
    pb_paths
    if pb_running; then
        log "pgbouncer: already running (pid $(pid_of "$PB_DIR/pgbouncer.pid"))"
    else
        port_open "$PB_PORT" && die "pgbouncer: port $PB_PORT is in use by another process"
        pb_write_conf
        rm -f "$PB_DIR/pgbouncer.pid"
        local runas=()
        [ -z "$PG_RUNAS" ] || runas=(runuser -u "$PG_RUNAS" --)
        detached "$PB_DIR/pgbouncer.out" "${runas[@]}" pgbouncer -d -q "$PB_DIR/pgbouncer.ini" ||
            { tail -n 20 "$PB_DIR/pgbouncer.log" >&2; die "pgbouncer did not start; see $PB_DIR/pgbouncer.log"; }
    fi
    wait_until "$TIMEOUT" pgbouncer "$PB_DIR/pgbouncer.log" pb_login
    log "pgbouncer: ready on $HOST:$PB_PORT (transaction pooling, server $HOST:$PG_PORT)"
}

pb_stop() {
    pg_setup_user
    pb_paths
    if pb_running; then
        stop_pid "$PB_DIR/pgbouncer.pid" pgbouncer
        log "pgbouncer: stopped"
    fi
}

pb_version() { pgbouncer --version 2>/dev/null | head -n1 || true; }

# --------------------------------------------------------------------------
# MariaDB

MY_DIR="$STATE/mariadb"
MY_CNF="$MY_DIR/my.cnf"
MY_LOG="$MY_DIR/mariadb.log"
MY_PID="$MY_DIR/mariadb.pid"
MY_SOCK=""

my_socket_path() {
    # unix socket paths are limited to ~107 bytes
    MY_SOCK="$MY_DIR/mysqld.sock"
    if [ "${#MY_SOCK}" -gt 100 ]; then
        MY_SOCK="/tmp/lucia-mariadb-$(printf '%s' "$STATE" | md5sum | cut -c1-12).sock"
    fi
}

my_write_cnf() {
    my_socket_path
    local userline=""
    is_root && userline="user = root"
    cat >"$MY_CNF" <<EOF
# lucia-core test server (scripts/backends.sh); regenerated on each start
[mariadbd]
$userline
datadir = $MY_DIR/data
tmpdir = $MY_DIR/tmp
socket = $MY_SOCK
pid-file = $MY_PID
log-error = $MY_LOG
bind-address = $HOST
port = $MY_PORT
skip-name-resolve
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci
max_connections = 300
performance_schema = OFF
innodb_buffer_pool_size = 128M
innodb_log_file_size = 64M
innodb_flush_log_at_trx_commit = 2
innodb_doublewrite = 0
innodb_flush_method = O_DIRECT_NO_FSYNC
sync_binlog = 0

[client]
socket = $MY_SOCK
EOF
}

my_running() { pid_alive "$MY_PID" mariadbd; }

# mariadb-install-db's admin account: named after the OS user (root, or the
# developer's login), authenticated by the unix socket.
my_root() { mariadb --defaults-file="$MY_CNF" -u "$(id -un)" "$@"; }

my_start() {
    mkdir -p "$MY_DIR/tmp"
    my_write_cnf
    if [ ! -d "$MY_DIR/data/mysql" ]; then
        log "mariadb: mariadb-install-db $MY_DIR/data"
        rm -rf "$MY_DIR/data" "$MY_DIR/.bootstrapped"
        mariadb-install-db --defaults-file="$MY_CNF" --auth-root-authentication-method=socket \
            --auth-root-socket-user="$(id -un)" --skip-test-db \
            >>"$MY_DIR/install-db.log" 2>&1 9>&- ||
            { tail -n 20 "$MY_DIR/install-db.log" >&2; die "mariadb-install-db failed; see $MY_DIR/install-db.log"; }
    fi
    if my_running; then
        log "mariadb: already running (pid $(pid_of "$MY_PID"))"
    else
        port_open "$MY_PORT" && die "mariadb: port $MY_PORT is in use by another process"
        rm -f "$MY_PID"
        spawn "$MY_DIR/mariadbd.out" mariadbd --defaults-file="$MY_CNF"
    fi
    wait_until "$TIMEOUT" mariadb "$MY_LOG" mariadb-admin --defaults-file="$MY_CNF" -u "$(id -un)" ping
    my_root -e 'SELECT 1' >/dev/null || die "mariadb: cannot log in as the admin user over $MY_SOCK; see log $MY_LOG"
    if [ ! -f "$MY_DIR/.bootstrapped" ]; then
        local anon
        anon=$(my_root -N -e "SELECT CONCAT('DROP USER IF EXISTS ''''@''', Host, ''';') FROM mysql.global_priv WHERE User = ''")
        my_root <<EOF
$anon
CREATE DATABASE IF NOT EXISTS \`$DB_NAME\`;
CREATE USER IF NOT EXISTS '$DB_USER'@'%' IDENTIFIED BY '$DB_PASS';
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'%';
GRANT ALL PRIVILEGES ON \`${DB_NAME}\\_%\`.* TO '$DB_USER'@'%';
GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'localhost';
GRANT ALL PRIVILEGES ON \`${DB_NAME}\\_%\`.* TO '$DB_USER'@'localhost';
FLUSH PRIVILEGES;
EOF
        touch "$MY_DIR/.bootstrapped"
    fi
    MYSQL_PWD=$DB_PASS mariadb --no-defaults -h "$HOST" -P "$MY_PORT" -u "$DB_USER" "$DB_NAME" \
        -e 'SELECT 1' >/dev/null || die "mariadb: cannot log in as $DB_USER; see log $MY_LOG"
    log "mariadb: ready on $HOST:$MY_PORT"
}

my_stop() {
    if my_running; then
        stop_pid "$MY_PID" mariadb
        log "mariadb: stopped"
    fi
}

my_version() { mariadbd --version 2>/dev/null || true; }

# --------------------------------------------------------------------------
# Redis (standalone and cluster)

REDIS_DIR="$STATE/redis"
RC_DIR="$STATE/redis-cluster"

redis_write_conf() { # DIR PORT [cluster]
    local dir=$1 port=$2 cluster=${3:-}
    mkdir -p "$dir"
    cat >"$dir/redis.conf" <<EOF
# lucia-core test server (scripts/backends.sh); regenerated on each start
bind $HOST
port $port
protected-mode no
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
dir $dir
save ""
appendonly no
databases 16
EOF
    if [ -n "$cluster" ]; then
        cat >>"$dir/redis.conf" <<EOF
cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout 5000
cluster-announce-ip $HOST
cluster-require-full-coverage yes
cluster-allow-reads-when-down no
EOF
    fi
}

redis_ping() { [ "$(redis-cli -h "$HOST" -p "$1" ping 2>/dev/null)" = PONG ]; }

redis_node_start() { # DIR PORT NAME [cluster]
    local dir=$1 port=$2 name=$3
    redis_write_conf "$dir" "$port" "${4:-}"
    if pid_alive "$dir/redis.pid" redis; then
        return 0
    fi
    port_open "$port" && die "$name: port $port is in use by another process"
    rm -f "$dir/redis.pid"
    detached "$dir/redis.log" redis-server "$dir/redis.conf" ||
        die "$name: redis-server failed to start; see log $dir/redis.log"
}

redis_start() {
    redis_node_start "$REDIS_DIR" "$REDIS_PORT" redis
    wait_until "$TIMEOUT" redis "$REDIS_DIR/redis.log" redis_ping "$REDIS_PORT"
    log "redis: ready on $HOST:$REDIS_PORT"
}

redis_stop() {
    if pid_alive "$REDIS_DIR/redis.pid" redis; then
        stop_pid "$REDIS_DIR/redis.pid" redis
        log "redis: stopped"
    fi
}

rc_info() { redis-cli -h "$HOST" -p "$1" cluster info 2>/dev/null | tr -d '\r'; }
rc_field() { rc_info "$1" | sed -n "s/^$2://p"; }
rc_ok() {
    local p
    for p in "${RC_PORTS[@]}"; do
        [ "$(rc_field "$p" cluster_state)" = ok ] || return 1
        [ "$(rc_field "$p" cluster_known_nodes)" = 3 ] || return 1
    done
}

rc_create() {
    local p addrs=()
    for p in "${RC_PORTS[@]}"; do
        redis-cli -h "$HOST" -p "$p" flushall >/dev/null
        redis-cli -h "$HOST" -p "$p" cluster reset hard >/dev/null
        addrs+=("$HOST:$p")
    done
    log "redis-cluster: creating cluster ${addrs[*]}"
    redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes \
        >>"$RC_DIR/create.log" 2>&1 ||
        { tail -n 20 "$RC_DIR/create.log" >&2; die "redis-cluster: create failed; see $RC_DIR/create.log"; }
}

rc_start() {
    local p
    for p in "${RC_PORTS[@]}"; do
        redis_node_start "$RC_DIR/$p" "$p" "redis-cluster node $p" cluster
    done
    for p in "${RC_PORTS[@]}"; do
        wait_until "$TIMEOUT" "redis-cluster node $p" "$RC_DIR/$p/redis.log" redis_ping "$p"
    done
    # Nodes restarted with their nodes.conf re-form the cluster by themselves;
    # fresh (or broken) nodes are (re)created.
    local assigned=0 deadline
    for p in "${RC_PORTS[@]}"; do
        [ "$(rc_field "$p" cluster_slots_assigned)" = 16384 ] && assigned=$((assigned + 1))
    done
    if [ "$assigned" = 3 ]; then
        deadline=$((SECONDS + 15))
        until rc_ok || [ "$SECONDS" -ge "$deadline" ]; do sleep 0.2; done
        rc_ok || { log "redis-cluster: existing cluster did not recover, recreating"; rc_create; }
    else
        rc_create
    fi
    wait_until "$TIMEOUT" redis-cluster "$RC_DIR/$RC_PORT/redis.log" rc_ok
    log "redis-cluster: ready on $HOST:${RC_PORTS[0]}-${RC_PORTS[2]} (cluster_state:ok)"
}

rc_stop() {
    local p any=0
    for p in "${RC_PORTS[@]}"; do
        if pid_alive "$RC_DIR/$p/redis.pid" redis; then
            stop_pid "$RC_DIR/$p/redis.pid" "redis-cluster node $p"
            any=1
        fi
    done
    [ "$any" = 0 ] || log "redis-cluster: stopped"
}

redis_version() { redis-server --version 2>/dev/null || true; }

# --------------------------------------------------------------------------
# Redis Sentinel: a primary, a replica, three sentinels

SN_DIR="$STATE/redis-sentinel"

sn_node_dirs() { printf '%s\n' "$SN_DIR/${SN_DATA_PORTS[0]}" "$SN_DIR/${SN_DATA_PORTS[1]}"; }
sn_sentinel_dir() { printf '%s' "$SN_DIR/sentinel-$1"; }

sn_all_running() {
    local p
    for p in "${SN_DATA_PORTS[@]}"; do pid_alive "$SN_DIR/$p/redis.pid" redis || return 1; done
    for p in "${SN_PORTS[@]}"; do pid_alive "$(sn_sentinel_dir "$p")/sentinel.pid" redis || return 1; done
}

sn_primary() { # the address the sentinels agree on, "host port"
    redis-cli -h "$HOST" -p "$1" sentinel get-master-addr-by-name "$SN_SERVICE" 2>/dev/null | tr '\n' ' '
}

sn_ok() { # every sentinel knows the primary, the replica and the two other sentinels
    local p info
    for p in "${SN_PORTS[@]}"; do
        info=$(redis-cli -h "$HOST" -p "$p" info sentinel 2>/dev/null | tr -d '\r') || return 1
        grep -q "name=$SN_SERVICE,status=ok,.*,slaves=1,sentinels=3" <<<"$info" || return 1
    done
}

sn_write_sentinel_conf() { # PORT
    local dir
    dir=$(sn_sentinel_dir "$1")
    mkdir -p "$dir"
    # Sentinel rewrites this file as it learns; a start writes it afresh.
    cat >"$dir/sentinel.conf" <<EOF
# lucia-core test sentinel (scripts/backends.sh)
bind $HOST
port $1
protected-mode no
daemonize yes
pidfile $dir/sentinel.pid
logfile $dir/sentinel.log
dir $dir
sentinel resolve-hostnames no
sentinel monitor $SN_SERVICE $HOST ${SN_DATA_PORTS[0]} 2
sentinel down-after-milliseconds $SN_SERVICE 1000
sentinel failover-timeout $SN_SERVICE 10000
sentinel parallel-syncs $SN_SERVICE 1
EOF
}

sn_start() {
    if sn_all_running && sn_ok; then
        log "redis-sentinel: already running (primary $(sn_primary "${SN_PORTS[0]}"))"
        return 0
    fi
    sn_stop # a partial set (a test killed a node) is started again from scratch
    rm -rf "$SN_DIR"
    local p primary=${SN_DATA_PORTS[0]} replica=${SN_DATA_PORTS[1]}
    for p in "${SN_DATA_PORTS[@]}" "${SN_PORTS[@]}"; do
        port_open "$p" && die "redis-sentinel: port $p is in use by another process"
    done
    redis_node_start "$SN_DIR/$primary" "$primary" "redis-sentinel primary"
    wait_until "$TIMEOUT" "redis-sentinel primary" "$SN_DIR/$primary/redis.log" redis_ping "$primary"
    redis_write_conf "$SN_DIR/$replica" "$replica"
    printf 'replicaof %s %s\n' "$HOST" "$primary" >>"$SN_DIR/$replica/redis.conf"
    detached "$SN_DIR/$replica/redis.log" redis-server "$SN_DIR/$replica/redis.conf" ||
        die "redis-sentinel replica failed to start; see $SN_DIR/$replica/redis.log"
    wait_until "$TIMEOUT" "redis-sentinel replica" "$SN_DIR/$replica/redis.log" sn_replica_synced "$replica"
    for p in "${SN_PORTS[@]}"; do
        sn_write_sentinel_conf "$p"
        detached "$(sn_sentinel_dir "$p")/sentinel.log" redis-sentinel "$(sn_sentinel_dir "$p")/sentinel.conf" ||
            die "redis-sentinel: sentinel $p failed to start"
    done
    wait_until "$TIMEOUT" "redis-sentinel sentinels" "$(sn_sentinel_dir "${SN_PORTS[0]}")/sentinel.log" sn_ok
    log "redis-sentinel: ready, sentinels on $HOST:${SN_PORTS[0]}-${SN_PORTS[2]}, primary $HOST:$primary, replica $HOST:$replica"
}

sn_replica_synced() {
    redis-cli -h "$HOST" -p "$1" info replication 2>/dev/null | tr -d '\r' | grep -q '^master_link_status:up'
}

sn_stop() {
    local p any=0 pidfile
    for p in "${SN_PORTS[@]}"; do # sentinels first, so that they start no failover
        pidfile="$(sn_sentinel_dir "$p")/sentinel.pid"
        if pid_alive "$pidfile" redis; then stop_pid "$pidfile" "sentinel $p"; any=1; fi
    done
    for p in "${SN_DATA_PORTS[@]}"; do
        if pid_alive "$SN_DIR/$p/redis.pid" redis; then stop_pid "$SN_DIR/$p/redis.pid" "redis $p"; any=1; fi
    done
    [ "$any" = 0 ] || log "redis-sentinel: stopped"
}

# --------------------------------------------------------------------------
# MongoDB wire protocol: FerretDB v1 (SQLite backend), or mongod if on PATH

FD_DIR="$STATE/ferretdb"
FD_PID="$FD_DIR/ferretdb.pid"
FD_LOG="$FD_DIR/ferretdb.log"
FD_BIN=""

# LUCIA_MONGODB_URL names an external server unless it points at our own port
# (as after `eval "$(scripts/backends.sh env)"`).
mongo_external() {
    local u=${LUCIA_MONGODB_URL:-}
    [ -n "$u" ] || return 1
    case $u in
    *"@$HOST:$MONGO_PORT"* | *"//$HOST:$MONGO_PORT"* | *"@localhost:$MONGO_PORT"* | *"//localhost:$MONGO_PORT"*) return 1 ;;
    esac
    return 0
}

mongo_mode() {
    if mongo_external; then
        echo external
        return
    fi
    case ${LUCIA_MONGODB_SERVER:-auto} in
    ferretdb) echo ferretdb ;;
    mongod) echo mongod ;;
    auto) if command -v mongod >/dev/null 2>&1; then echo mongod; else echo ferretdb; fi ;;
    *) die "LUCIA_MONGODB_SERVER must be auto, ferretdb or mongod" ;;
    esac
}

fd_bin_ok() {
    [ -x "$1" ] || return 1
    local out
    out=$("$1" --version 2>/dev/null) || return 1
    case $'\n'$out$'\n' in
    *$'\n'"version: $FERRETDB_VERSION"$'\n'*) return 0 ;;
    esac
    return 1
}

FD_GOBIN=""
fd_locate() { # set FD_BIN to an existing FerretDB $FERRETDB_VERSION binary
    FD_GOBIN="" FD_BIN=""
    if command -v go >/dev/null 2>&1; then
        FD_GOBIN=$(go env GOBIN 2>/dev/null) || FD_GOBIN=""
        [ -n "$FD_GOBIN" ] || FD_GOBIN="$(go env GOPATH 2>/dev/null | cut -d: -f1)/bin"
    fi
    local c
    for c in "${FD_GOBIN:+$FD_GOBIN/ferretdb}" "$(command -v ferretdb 2>/dev/null || true)"; do
        if [ -n "$c" ] && fd_bin_ok "$c"; then
            FD_BIN=$c
            return 0
        fi
    done
    return 1
}

fd_find_bin() {
    fd_locate && return 0
    [ -z "${LUCIA_BACKENDS_NO_INSTALL:-}" ] ||
        die "ferretdb: FerretDB $FERRETDB_VERSION not found and LUCIA_BACKENDS_NO_INSTALL is set: not building it"
    local gobin=$FD_GOBIN
    command -v go >/dev/null 2>&1 ||
        die "ferretdb: FerretDB $FERRETDB_VERSION not found and no \`go\` on PATH to build it (or set LUCIA_MONGODB_URL)"
    mkdir -p "$gobin"
    # `go install github.com/FerretDB/FerretDB/cmd/ferretdb@VERSION` does not
    # work: the module proxy refuses FerretDB's version list (403, needed for
    # the deprecation check), and the module zip lacks the generated
    # build/version/version.txt (the binary panics at start).  So: fetch the
    # exact module version (checksum-verified via sum.golang.org), copy it,
    # write version.txt/commit.txt as upstream's release build does, and build
    # it as its own main module with its own go.sum.
    log "ferretdb: building FerretDB $FERRETDB_VERSION into $gobin (a few minutes the first time; log $STATE/ferretdb-build.log)"
    local src build
    src=$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" 2>>"$STATE/ferretdb-build.log" |
        sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p') || true
    [ -n "$src" ] && [ -f "$src/go.mod" ] ||
        { tail -n 20 "$STATE/ferretdb-build.log" >&2; die "ferretdb: go mod download failed; see $STATE/ferretdb-build.log"; }
    build=$(mktemp -d "${TMPDIR:-/tmp}/ferretdb-build.XXXXXX")
    cp -R "$src/." "$build/"
    chmod -R u+w "$build"
    echo "$FERRETDB_VERSION" >"$build/build/version/version.txt"
    echo "$FERRETDB_COMMIT" >"$build/build/version/commit.txt"
    echo "lucia-backends" >"$build/build/version/package.txt"
    (cd "$build" && GOFLAGS="-mod=readonly -buildvcs=false" \
        go build -trimpath -o "$gobin/ferretdb.tmp" ./cmd/ferretdb) >>"$STATE/ferretdb-build.log" 2>&1 9>&- ||
        { rm -rf "$build"; tail -n 20 "$STATE/ferretdb-build.log" >&2; die "ferretdb: go build failed; see $STATE/ferretdb-build.log"; }
    rm -rf "$build"
    mv -f "$gobin/ferretdb.tmp" "$gobin/ferretdb"
    fd_bin_ok "$gobin/ferretdb" || die "ferretdb: built binary does not report $FERRETDB_VERSION"
    FD_BIN="$gobin/ferretdb"
}

fd_running() { pid_alive "$FD_PID" ferretdb || pid_alive "$FD_PID" mongod; }

fd_ping() { # readiness: /debug/readyz on FerretDB's loopback debug listener
    port_open "$MONGO_PORT" || return 1
    if [ -f "$FD_DIR/mode" ] && [ "$(cat "$FD_DIR/mode")" = ferretdb ]; then
        timeout 2 bash -c '
            exec 3<>/dev/tcp/'"$HOST/$FERRET_DEBUG_PORT"'
            printf "GET /debug/readyz HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3
            head -n1 <&3 | grep -q " 200 "' 2>/dev/null
    fi
}

fd_start() {
    local mode
    mode=$(mongo_mode)
    case $mode in
    external)
        log "ferretdb: skipped, LUCIA_MONGODB_URL is set (using $LUCIA_MONGODB_URL)"
        return 0
        ;;
    esac
    mkdir -p "$FD_DIR/data" "$FD_DIR/state"
    if fd_running; then
        log "ferretdb: already running ($(cat "$FD_DIR/mode" 2>/dev/null), pid $(pid_of "$FD_PID"))"
    else
        port_open "$MONGO_PORT" && die "ferretdb: port $MONGO_PORT is in use by another process"
        if [ "$mode" = mongod ]; then
            log "ferretdb: skipped, mongod found on PATH ($(command -v mongod)); starting mongod instead"
            mkdir -p "$FD_DIR/mongod"
            spawn "$FD_LOG" mongod --bind_ip "$HOST" --port "$MONGO_PORT" \
                --dbpath "$FD_DIR/mongod" --nounixsocket
        else
            fd_find_bin
            spawn "$FD_LOG" "$FD_BIN" \
                --listen-addr="$HOST:$MONGO_PORT" \
                --handler=sqlite --sqlite-url="file:$FD_DIR/data/" \
                --state-dir="$FD_DIR/state" \
                --debug-addr="$HOST:$FERRET_DEBUG_PORT" \
                --telemetry=disable --log-level=WARN
        fi
        echo "$!" >"$FD_PID"
        echo "$mode" >"$FD_DIR/mode"
    fi
    wait_until "$TIMEOUT" "$mode" "$FD_LOG" fd_ping
    log "ferretdb: ready ($mode) on $HOST:$MONGO_PORT"
}

fd_stop() {
    if fd_running; then
        stop_pid "$FD_PID" "$(cat "$FD_DIR/mode" 2>/dev/null || echo ferretdb)"
        log "ferretdb: stopped"
    fi
}

fd_version() {
    case $(mongo_mode) in
    external) echo "external ($LUCIA_MONGODB_URL)" ;;
    mongod) mongod --version 2>/dev/null | head -n1 ;;
    ferretdb)
        if fd_locate; then
            echo "FerretDB $FERRETDB_VERSION ($FD_BIN, SQLite backend)"
        else
            echo "FerretDB $FERRETDB_VERSION (not built yet)"
        fi
        ;;
    esac
}

# --------------------------------------------------------------------------
# commands

check_names() {
    local n
    for n in "$@"; do
        case " ${ALL_NAMES[*]} " in
        *" $n "*) ;;
        *) die "unknown backend '$n' (known: ${ALL_NAMES[*]})" ;;
        esac
    done
}

lock_state() {
    mkdir -p "$STATE"
    exec 9>"$STATE/.lock"
    flock -w 600 9 || die "another scripts/backends.sh is busy with $STATE"
}

cmd_start() {
    local names=("$@") n
    [ "${#names[@]}" -gt 0 ] || names=("${ALL_NAMES[@]}")
    check_names "${names[@]}"
    lock_state
    ensure_packages "${names[@]}"
    find_pg_bin || true
    for n in "${names[@]}"; do
        case $n in
        postgres) pg_start ;;
        pgbouncer) pb_start ;;
        mariadb) my_start ;;
        redis) redis_start ;;
        redis-cluster) rc_start ;;
        redis-sentinel) sn_start ;;
        ferretdb) fd_start ;;
        esac
    done
}

cmd_stop() {
    local names=("$@") n
    [ "${#names[@]}" -gt 0 ] || names=("${ALL_NAMES[@]}")
    check_names "${names[@]}"
    lock_state
    find_pg_bin || true
    # PgBouncer before its server.
    case " ${names[*]} " in *" pgbouncer "*) pb_stop ;; esac
    for n in "${names[@]}"; do
        case $n in
        postgres) pg_stop ;;
        mariadb) my_stop ;;
        redis) redis_stop ;;
        redis-cluster) rc_stop ;;
        redis-sentinel) sn_stop ;;
        ferretdb) fd_stop ;;
        esac
    done
}

cmd_status() {
    local names=("$@") n st pid
    [ "${#names[@]}" -gt 0 ] || names=("${ALL_NAMES[@]}")
    check_names "${names[@]}"
    find_pg_bin || true
    pg_paths
    local rc=0
    printf '%-14s %-8s %-8s %-22s %s\n' NAME STATE PID ADDRESS VERSION/LOG
    for n in "${names[@]}"; do
        st=stopped pid=-
        case $n in
        postgres)
            if pg_running; then pid=$(pid_of "$PG_DATA/postmaster.pid"); port_open "$PG_PORT" && st=running || st=starting; fi
            printf '%-14s %-8s %-8s %-22s %s\n' "$n" "$st" "$pid" "$HOST:$PG_PORT" "$( [ -n "$PG_BIN" ] && pg_version) | $PG_LOG"
            ;;
        mariadb)
            if my_running; then pid=$(pid_of "$MY_PID"); port_open "$MY_PORT" && st=running || st=starting; fi
            printf '%-14s %-8s %-8s %-22s %s\n' "$n" "$st" "$pid" "$HOST:$MY_PORT" "$(my_version) | $MY_LOG"
            ;;
        redis)
            if pid_alive "$REDIS_DIR/redis.pid" redis; then pid=$(pid_of "$REDIS_DIR/redis.pid"); redis_ping "$REDIS_PORT" && st=running || st=starting; fi
            printf '%-14s %-8s %-8s %-22s %s\n' "$n" "$st" "$pid" "$HOST:$REDIS_PORT" "$(redis_version | cut -d' ' -f1-3) | $REDIS_DIR/redis.log"
            ;;
        pgbouncer)
            pb_paths
            if pb_running; then pid=$(pid_of "$PB_DIR/pgbouncer.pid"); port_open "$PB_PORT" && st=running || st=starting; fi
            printf '%-14s %-8s %-8s %-22s %s\n' "$n" "$st" "$pid" "$HOST:$PB_PORT" "$(pb_version) | $PB_DIR/pgbouncer.log"
            ;;
        redis-sentinel)
            if sn_all_running && sn_ok; then st=running
            elif pid_alive "$(sn_sentinel_dir "${SN_PORTS[0]}")/sentinel.pid" redis; then st=degraded
            fi
            printf '%-14s %-8s %-8s %-22s %s\n' "$n" "$st" - "$HOST:${SN_PORTS[0]}-${SN_PORTS[2]}" "primary: $(sn_primary "${SN_PORTS[0]}") | $SN_DIR/*/*.log"
            ;;
        redis-cluster)
            local p pids=() up=0
            for p in "${RC_PORTS[@]}"; do
                if pid_alive "$RC_DIR/$p/redis.pid" redis; then pids+=("$(pid_of "$RC_DIR/$p/redis.pid")"); up=$((up + 1)); fi
            done
            if [ "$up" = 3 ] && rc_ok; then st=running
            elif [ "$up" -gt 0 ]; then st=degraded
            fi
            [ "${#pids[@]}" = 0 ] || pid=$(IFS=,; echo "${pids[*]}")
            printf '%-14s %-8s %-8s %-22s %s\n' "$n" "$st" "$pid" "$HOST:${RC_PORTS[0]}-${RC_PORTS[2]}" "cluster_state:$(rc_field "${RC_PORTS[0]}" cluster_state || true) | $RC_DIR/*/redis.log"
            ;;
        ferretdb)
            if [ "$(mongo_mode)" = external ]; then
                st=external
            elif fd_running; then pid=$(pid_of "$FD_PID"); fd_ping && st=running || st=starting; fi
            printf '%-14s %-8s %-8s %-22s %s\n' "$n" "$st" "$pid" "$HOST:$MONGO_PORT" "$(fd_version) | $FD_LOG"
            ;;
        esac
        case $st in running | external) ;; *) rc=3 ;; esac
    done
    return $rc
}

cmd_env() {
    local mongo_url=mongodb://$HOST:$MONGO_PORT/$DB_NAME
    if mongo_external; then mongo_url=$LUCIA_MONGODB_URL; fi
    printf 'export LUCIA_POSTGRES_URL=%q\n' "postgresql://$DB_USER:$DB_PASS@$HOST:$PG_PORT/$DB_NAME"
    printf 'export LUCIA_MYSQL_URL=%q\n' "mysql://$DB_USER:$DB_PASS@$HOST:$MY_PORT/$DB_NAME"
    printf 'export LUCIA_MONGODB_URL=%q\n' "$mongo_url"
    printf 'export LUCIA_REDIS_URL=%q\n' "redis://$HOST:$REDIS_PORT/0"
    printf 'export LUCIA_REDIS_CLUSTER_URL=%q\n' "redis://$HOST:${RC_PORTS[0]}"
    printf 'export LUCIA_PGBOUNCER_URL=%q\n' "postgresql://$DB_USER:$DB_PASS@$HOST:$PB_PORT/$DB_NAME"
    # The sentinels' addresses and the service name (not a URL redis-py parses by itself).
    printf 'export LUCIA_REDIS_SENTINEL_URL=%q\n' "redis+sentinel://$HOST:${SN_PORTS[0]},$HOST:${SN_PORTS[1]},$HOST:${SN_PORTS[2]}/$SN_SERVICE"
}

usage() {
    sed -n '2,/^set -Eeuo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

main() {
    local cmd=${1:-}
    [ "$#" -gt 0 ] && shift
    case $cmd in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    restart)
        [ "$#" -gt 0 ] || die "restart needs backend names (${ALL_NAMES[*]})"
        cmd_stop "$@"
        cmd_start "$@"
        ;;
    status) cmd_status "$@" ;;
    env) cmd_env ;;
    ferretdb-bin) # the FerretDB binary's path (built first if missing): for scripts/containers.sh
        mkdir -p "$STATE"
        fd_find_bin
        printf '%s\n' "$FD_BIN"
        ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
    esac
}

main "$@"
