#!/bin/bash
# Entry point of lucia-core's locally built server images (scripts/containers.sh).
#
#   lucia-entrypoint postgres | mariadb | redis | ferretdb [ARGS...]   run that server (PID 1)
#   lucia-entrypoint ready                                              exit 0 once it answers
#
# A first argument that is an option (or the server's own program name) runs the image's own
# server, $LUCIA_SERVER, with those arguments, as the official images do. Each server listens on
# all of the container's addresses; the engine publishes its port on 127.0.0.1 only. Variables
# honoured, as in the official images and the testcontainers modules:
#
#   postgres  POSTGRES_USER (default postgres), POSTGRES_PASSWORD (required unless
#             POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_DB (default: the user),
#             POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD (default scram-sha-256), PGDATA
#   mariadb   MARIADB_ROOT_PASSWORD / MYSQL_ROOT_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD /
#             MYSQL_ALLOW_EMPTY_PASSWORD, MARIADB_RANDOM_ROOT_PASSWORD / MYSQL_RANDOM_ROOT_PASSWORD,
#             MARIADB_DATABASE / MYSQL_DATABASE, MARIADB_USER / MYSQL_USER,
#             MARIADB_PASSWORD / MYSQL_PASSWORD, MARIADB_ROOT_HOST (default %)
#   redis     REDIS_PASSWORD (requirepass); `redis-server --requirepass X` as the command works too
#             (a cluster: lucia_conformance.servers runs its nodes with a command of its own)
#   ferretdb  none: FerretDB v1's SQLite backend has no users, so MONGO_INITDB_ROOT_USERNAME and
#             PASSWORD are not enforced, and a client that authenticates (testcontainers'
#             MongoDbContainer: SCRAM-SHA-1) is refused; connect without credentials
#             (lucia_conformance.servers does). Logs mongod's "Waiting for connections" once ready.
#
# Checked with testcontainers' own modules: PostgresContainer, MySqlContainer and RedisContainer
# (with a password) start and answer on these images.
set -Eeuo pipefail

log() { printf '[lucia-entrypoint] %s\n' "$*" >&2; }
die() { printf '[lucia-entrypoint] ERROR: %s\n' "$*" >&2; exit 1; }

first() { # the first non-empty of the named variables
    local name
    for name in "$@"; do
        if [ -n "${!name:-}" ]; then printf '%s' "${!name}"; return 0; fi
    done
}

# ------------------------------------------------------------------------------------ PostgreSQL

pg_bin() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
    [ -x "$d/postgres" ] || die "no PostgreSQL under /usr/lib/postgresql"
    printf '%s' "$d"
}

sql_literal() { printf "'%s'" "${1//\'/\'\'}"; }
sql_ident() { printf '"%s"' "${1//\"/\"\"}"; }

run_postgres() {
    local bin user db password method data
    bin=$(pg_bin)
    data=${PGDATA:-/var/lib/postgresql/data}
    user=${POSTGRES_USER:-postgres}
    db=${POSTGRES_DB:-$user}
    password=${POSTGRES_PASSWORD:-}
    method=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
    if [ -z "$password" ] && [ "$method" != trust ]; then
        die "POSTGRES_PASSWORD is not set (set it, or POSTGRES_HOST_AUTH_METHOD=trust)"
    fi
    mkdir -p "$data" /run/postgresql
    chown postgres: "$data" /run/postgresql
    chmod 700 "$data"
    if [ ! -s "$data/PG_VERSION" ]; then
        log "postgres: initdb $data (user $user, database $db)"
        local pwfile
        pwfile=$(mktemp)
        printf '%s\n' "${password:-unused}" >"$pwfile"
        chown postgres: "$pwfile"
        # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of words, as upstream's
        setpriv --reuid=postgres --regid=postgres --init-groups \
            "$bin/initdb" -D "$data" -U "$user" --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
            --auth-local=trust --auth-host="$method" ${POSTGRES_INITDB_ARGS:-} >/dev/null
        rm -f "$pwfile"
        printf 'host all all all %s\n' "$method" >>"$data/pg_hba.conf"
        if [ "$db" != postgres ]; then
            printf 'CREATE DATABASE %s OWNER %s\n' "$(sql_ident "$db")" "$(sql_ident "$user")" |
                setpriv --reuid=postgres --regid=postgres --init-groups \
                    "$bin/postgres" --single -D "$data" -j postgres >/dev/null
        fi
    fi
    log "postgres: starting"
    # Throwaway test servers: durability traded for speed, as in scripts/backends.sh.
    setpriv --reuid=postgres --regid=postgres --init-groups \
        "$bin/postgres" -D "$data" -c listen_addresses='*' -c fsync=off -c synchronous_commit=off \
        -c full_page_writes=off -c max_connections=200 "$@" &
    # `docker stop` sends SIGTERM, PostgreSQL's "smart" shutdown that waits for every client to
    # leave; SIGINT is its fast shutdown (what the official image's STOPSIGNAL asks for).
    local pid=$!
    trap 'kill -INT "$pid" 2>/dev/null' TERM INT
    wait "$pid" || wait "$pid"
}

# --------------------------------------------------------------------------------------- MariaDB

run_mariadb() {
    local data=/var/lib/mysql root_password database user password root_host init
    root_password=$(first MARIADB_ROOT_PASSWORD MYSQL_ROOT_PASSWORD) || true
    database=$(first MARIADB_DATABASE MYSQL_DATABASE) || true
    user=$(first MARIADB_USER MYSQL_USER) || true
    password=$(first MARIADB_PASSWORD MYSQL_PASSWORD) || true
    root_host=${MARIADB_ROOT_HOST:-%}
    if [ -z "$root_password" ]; then
        if [ -n "$(first MARIADB_RANDOM_ROOT_PASSWORD MYSQL_RANDOM_ROOT_PASSWORD)" ]; then
            root_password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
            log "mariadb: GENERATED ROOT PASSWORD: $root_password"
        elif [ -z "$(first MARIADB_ALLOW_EMPTY_ROOT_PASSWORD MYSQL_ALLOW_EMPTY_PASSWORD)" ]; then
            die "set MARIADB_ROOT_PASSWORD (or MYSQL_ROOT_PASSWORD), or allow an empty or random one"
        fi
    fi
    mkdir -p "$data" /run/mysqld
    chown mysql: "$data" /run/mysqld
    if [ ! -d "$data/mysql" ]; then
        log "mariadb: mariadb-install-db $data"
        mariadb-install-db --user=mysql --datadir="$data" --auth-root-authentication-method=normal \
            --skip-test-db --skip-name-resolve >/dev/null
        # Run once, before the server takes connections: one statement per line.
        init=/var/lib/mysql-init.sql
        {
            # Anonymous users, and the root accounts the installer made per host name and address
            # (a password-less root@127.0.0.1 would win over root@'%').
            echo "DELETE FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host <> 'localhost');"
            echo "FLUSH PRIVILEGES;"
            echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $(sql_quote "$root_password");"
            if [ "$root_host" != localhost ]; then
                echo "CREATE USER IF NOT EXISTS 'root'@$(sql_quote "$root_host") IDENTIFIED BY $(sql_quote "$root_password");"
                echo "GRANT ALL PRIVILEGES ON *.* TO 'root'@$(sql_quote "$root_host") WITH GRANT OPTION;"
            fi
            [ -z "$database" ] || echo "CREATE DATABASE IF NOT EXISTS \`${database//\`/\`\`}\`;"
            if [ -n "$user" ]; then
                echo "CREATE USER IF NOT EXISTS $(sql_quote "$user")@'%' IDENTIFIED BY $(sql_quote "$password");"
                [ -z "$database" ] ||
                    echo "GRANT ALL PRIVILEGES ON \`${database//\`/\`\`}\`.* TO $(sql_quote "$user")@'%';"
            fi
            echo "FLUSH PRIVILEGES;"
        } >"$init"
        chown mysql: "$init"
        chmod 600 "$init"
        # As the official image does: a first server without networking sets up the accounts,
        # then the real one starts (so "ready for connections" is logged twice, which
        # testcontainers' MySQL module waits for).
        log "mariadb: setting up accounts"
        mariadb_server --skip-networking --init-file="$init" &
        local pid=$! i
        for ((i = 0; i < 600; i++)); do
            MYSQL_PWD=$root_password mariadb-admin --protocol=socket --socket=/run/mysqld/mysqld.sock \
                -uroot ping >/dev/null 2>&1 && break
            sleep 0.1
        done
        MYSQL_PWD=$root_password mariadb-admin --protocol=socket --socket=/run/mysqld/mysqld.sock \
            -uroot shutdown || die "mariadb: the set-up server did not answer"
        wait "$pid" || true
        rm -f "$init"
    fi
    log "mariadb: starting"
    mariadb_server --bind-address=0.0.0.0 --port=3306 "$@"
}

mariadb_server() { # exec mariadbd with the throwaway server's options (in a subshell with &)
    exec mariadbd --user=mysql --datadir=/var/lib/mysql --socket=/run/mysqld/mysqld.sock \
        --skip-name-resolve --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
        --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --sync-binlog=0 "$@"
}

sql_quote() { # a MariaDB string literal
    local s=${1//\\/\\\\}
    printf "'%s'" "${s//\'/\'\'}"
}

# ----------------------------------------------------------------------------------------- Redis

redis_options() { # PORT: the options of a throwaway node
    printf '%s\n' --port "$1" --bind 0.0.0.0 --protected-mode no --save '' --appendonly no
    [ -z "${REDIS_PASSWORD:-}" ] || printf '%s\n' --requirepass "$REDIS_PASSWORD"
}

run_redis() {
    local options
    mapfile -t options < <(redis_options 6379)
    exec redis-server "${options[@]}" "$@"
}

# -------------------------------------------------------------------------------------- FerretDB

run_ferretdb() {
    mkdir -p /var/lib/ferretdb/data /var/lib/ferretdb/state
    [ -z "${MONGO_INITDB_ROOT_USERNAME:-}" ] ||
        log "ferretdb: MONGO_INITDB_ROOT_USERNAME is not enforced (FerretDB's SQLite backend has no users)"
    log "ferretdb: starting"
    /usr/local/bin/ferretdb --listen-addr=0.0.0.0:27017 --handler=sqlite \
        --sqlite-url=file:/var/lib/ferretdb/data/ --state-dir=/var/lib/ferretdb/state \
        --debug-addr=127.0.0.1:8088 --telemetry=disable --log-level=warn "$@" &
    local pid=$!
    trap 'kill -TERM "$pid" 2>/dev/null' TERM INT
    # mongod's words, which testcontainers' MongoDB module waits for in the log.
    until (LUCIA_SERVER=ferretdb ready) >/dev/null 2>&1; do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    log "ferretdb: Waiting for connections on port 27017"
    wait "$pid" || wait "$pid"
}

# ------------------------------------------------------------------------------------- readiness

ready() {
    case ${LUCIA_SERVER:-} in
    postgres) "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p 5432 ;;
    mariadb) mariadb-admin --protocol=socket --socket=/run/mysqld/mysqld.sock ping >/dev/null 2>&1 ;;
    redis) [ "$(redis-cli -p 6379 ${REDIS_PASSWORD:+-a "$REDIS_PASSWORD"} ping 2>/dev/null)" = PONG ] ;;
    ferretdb)
        exec 3<>/dev/tcp/127.0.0.1/8088 || return 1
        printf 'GET /debug/readyz HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
        head -n1 <&3 | grep -q ' 200 '
        ;;
    *) die "LUCIA_SERVER is not set" ;;
    esac && echo 1
}

[ "$#" -gt 0 ] || set -- "${LUCIA_SERVER:?LUCIA_SERVER is not set}"
case $1 in -*) set -- "${LUCIA_SERVER:?LUCIA_SERVER is not set}" "$@" ;; esac
command=$1
shift
case $command in
postgres) run_postgres "$@" ;;
mariadb | mariadbd | mysqld) run_mariadb "$@" ;;
redis | redis-server) run_redis "$@" ;;
ferretdb) run_ferretdb "$@" ;;
ready) ready ;;
*) exec "$command" "$@" ;;
esac
