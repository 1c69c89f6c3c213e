#!/usr/bin/env bash
# A private Docker engine and locally built server images for lucia-core's container tests.
#
#   scripts/containers.sh start            install docker.io if missing, start the private dockerd
#   scripts/containers.sh build            build the images (or reuse the cached ones)
#   scripts/containers.sh stop             remove every container of that dockerd, then stop it
#   scripts/containers.sh status
#   scripts/containers.sh env              eval "$(scripts/containers.sh env)": DOCKER_HOST, images
#   scripts/containers.sh run CMD [ARGS]   start + build, run CMD with that environment, then stop
#                                          (also when CMD fails or the script is interrupted)
#
# No registry is used and no container has a network beyond its own bridge: the images are a
# Debian root file system made by `debootstrap` (Debian's package; the mirror is read from this
# machine's apt sources) holding the server packages, `docker import`ed, plus the committed entry
# point containers/entrypoint.sh, which honours the variables of the official images and of the
# testcontainers modules (POSTGRES_USER/PASSWORD/DB, MARIADB_*/MYSQL_*, ...). Images:
#
#   lucia-postgres:TAG   PostgreSQL (Debian `postgresql`)         LUCIA_POSTGRES_IMAGE
#   lucia-mariadb:TAG    MariaDB (Debian `mariadb-server`)        LUCIA_MYSQL_IMAGE
#   lucia-redis:TAG      Redis (Debian `redis-server`), also      LUCIA_REDIS_IMAGE
#                        for a 3-node cluster in one container    LUCIA_REDIS_CLUSTER_IMAGE
#   lucia-ferretdb:TAG   FerretDB (built by scripts/backends.sh)  LUCIA_MONGODB_IMAGE
#                        as the MongoDB server
#
# TAG is a digest of every input (suite, mirror, packages, entry point, FerretDB binary): an
# image is rebuilt only when an input changed. The root file system is cached as a tarball in
# $LUCIA_CONTAINERS_CACHE (default ~/.cache/lucia-core/containers), shared by the four images
# and kept between runs and checkouts; the engine's own data lives in the project's state.
#
# State: $LUCIA_CONTAINERS_DIR (default <repo>/.containers): the engine's data root and exec
# root, its socket, pid file and log. The engine gets a bridge of its own (no iptables rules, no
# IP forwarding, no masquerading: containers reach nothing outside) and publishes ports on
# 127.0.0.1 only (--ip 127.0.0.1), so it never collides with another dockerd on the machine.
#
# Env overrides: LUCIA_CONTAINERS_DIR, LUCIA_CONTAINERS_CACHE, LUCIA_DOCKER_BRIDGE_CIDR (the
# engine's bridge; default 10.213.N.1/24, N from the state directory's digest, the next unused
# one if another interface has it), LUCIA_CONTAINERS_SUITE (default: this machine's
# Debian codename), LUCIA_BACKENDS_NO_INSTALL=1 (fail instead of installing packages).
set -Eeuo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${LUCIA_CONTAINERS_DIR:-$REPO/.containers}
case $STATE in /*) ;; *) STATE=$PWD/$STATE ;; esac
CACHE=${LUCIA_CONTAINERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lucia-core/containers}
ENTRYPOINT=$REPO/containers/entrypoint.sh
# Interface names have at most 15 characters; one per state directory.
BRIDGE=lucia$(printf '%s' "$STATE" | md5sum | cut -c1-8)
# What the root file system holds (bump BASE_FORMAT when the way it is made changes).
BASE_FORMAT=1
BASE_PACKAGES=(postgresql mariadb-server mariadb-client redis-server redis-tools procps)
IMAGES=(postgres mariadb redis ferretdb)
LABEL=lucia-core.containers

log() { printf '[containers] %s\n' "$*" >&2; }
die() { printf '[containers] ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root to run: $*"
    fi
}

# Unix socket paths are limited to ~107 bytes, containerd's shim paths under the exec root too.
short_dir() { # NAME: $STATE/NAME, or a short directory under /run when that is too long
    local dir=$STATE/$1
    if [ "${#dir}" -gt 60 ]; then
        dir=/run/lucia-containers-$(printf '%s' "$STATE" | md5sum | cut -c1-12)/$1
    fi
    printf '%s' "$dir"
}
EXEC_ROOT=$(short_dir exec)
SOCKET=$(short_dir run)/docker.sock
DATA_ROOT=$STATE/data
PIDFILE=$STATE/dockerd.pid
DLOG=$STATE/dockerd.log
DOCKER_HOST_URL=unix://$SOCKET

# The Debian package's client (the engine's own version), else whichever is on PATH.
DOCKER_BIN=/usr/bin/docker
[ -x "$DOCKER_BIN" ] || DOCKER_BIN=$(command -v docker 2>/dev/null || echo docker)
dk() { DOCKER_HOST=$DOCKER_HOST_URL "$DOCKER_BIN" "$@"; }

# --------------------------------------------------------------------------------------------
# installation

APT_UPDATED=0
apt_install() {
    [ -z "${LUCIA_BACKENDS_NO_INSTALL:-}" ] ||
        die "missing packages ($*) and LUCIA_BACKENDS_NO_INSTALL is set: not installing"
    command -v apt-get >/dev/null 2>&1 || die "missing packages ($*) and no apt-get: install them by hand"
    mkdir -p "$STATE"
    log "installing Debian packages: $*"
    # Keep the packages' own services (the system dockerd) from being started by the install.
    local policy=/usr/sbin/policy-rc.d made=0 rc=0
    if [ ! -e "$policy" ]; then
        as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
        made=1
    fi
    {
        if [ "$APT_UPDATED" = 0 ]; then
            as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q && APT_UPDATED=1
        fi
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
    } >>"$STATE/install.log" 2>&1 || rc=$?
    [ "$made" = 0 ] || as_root rm -f "$policy"
    [ "$rc" = 0 ] || { tail -n 30 "$STATE/install.log" >&2; die "apt-get failed (rc=$rc); see $STATE/install.log"; }
}

ensure_engine() {
    local pkgs=()
    [ -x /usr/sbin/dockerd ] && [ -x /usr/bin/docker ] || pkgs+=(docker.io)
    command -v ip >/dev/null 2>&1 || pkgs+=(iproute2)
    [ "${#pkgs[@]}" = 0 ] || apt_install "${pkgs[@]}"
    DOCKER_BIN=/usr/bin/docker
}

ensure_debootstrap() {
    command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
}

# --------------------------------------------------------------------------------------------
# the engine

engine_pid() { [ -r "$PIDFILE" ] && head -n1 "$PIDFILE" | tr -dc '0-9'; }
engine_running() {
    local pid
    pid=$(engine_pid) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
        grep -q dockerd "/proc/$pid/comm" 2>/dev/null
}
engine_answers() { dk version --format '{{.Server.Version}}' >/dev/null 2>&1; }

bridge_cidr() { # a /24 no other interface of this machine uses
    if [ -n "${LUCIA_DOCKER_BRIDGE_CIDR:-}" ]; then echo "$LUCIA_DOCKER_BRIDGE_CIDR"; return; fi
    local n i used
    n=$((16#$(printf '%s' "$STATE" | md5sum | cut -c1-2)))
    used=$(ip -4 -o addr show | awk '{print $4}')
    for ((i = 0; i < 256; i++)); do
        if ! grep -q "^10\.213\.$(((n + i) % 256))\." <<<"$used"; then
            echo "10.213.$(((n + i) % 256)).1/24"
            return
        fi
    done
    die "no free 10.213.N.0/24 for the engine's bridge: set LUCIA_DOCKER_BRIDGE_CIDR"
}

bridge_up() {
    if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
        local cidr
        cidr=$(bridge_cidr)
        as_root ip link add name "$BRIDGE" type bridge
        as_root ip addr add "$cidr" dev "$BRIDGE"
    fi
    as_root ip link set "$BRIDGE" up
}

bridge_down() {
    ! ip link show "$BRIDGE" >/dev/null 2>&1 || as_root ip link delete "$BRIDGE" || true
}

cmd_start() {
    mkdir -p "$STATE"
    ensure_engine
    if engine_running && engine_answers; then
        log "dockerd already running (pid $(engine_pid)) on $DOCKER_HOST_URL"
        return 0
    fi
    mkdir -p "$DATA_ROOT" "$EXEC_ROOT" "$(dirname "$SOCKET")"
    rm -f "$SOCKET" "$PIDFILE"
    bridge_up
    log "starting dockerd (data root $DATA_ROOT, socket $SOCKET, log $DLOG)"
    # --containerd-namespace: a system containerd, if one runs, is shared with other engines.
    (
        exec </dev/null >>"$DLOG" 2>&1
        exec setsid /usr/sbin/dockerd \
            --host "$DOCKER_HOST_URL" --pidfile "$PIDFILE" \
            --data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" \
            --containerd-namespace "$BRIDGE" --containerd-plugins-namespace "$BRIDGE-plugins" \
            --bridge "$BRIDGE" --ip 127.0.0.1 \
            --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false --ipv6=false \
            --userland-proxy=true --log-level warn
    ) &
    local deadline=$((SECONDS + 60))
    until engine_answers; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            tail -n 20 "$DLOG" >&2 || true
            die "dockerd did not answer within 60s; see $DLOG"
        fi
        sleep 0.2
    done
    log "dockerd $(dk version --format '{{.Server.Version}}') ready on $DOCKER_HOST_URL (pid $(engine_pid))"
}

cmd_stop() {
    if engine_answers; then
        local ids
        ids=$(dk ps -aq)
        if [ -n "$ids" ]; then
            log "removing $(wc -w <<<"$ids") container(s)"
            # shellcheck disable=SC2086 # one id per word
            dk rm -f -v $ids >/dev/null || true
        fi
    fi
    if engine_running; then
        local pid i
        pid=$(engine_pid)
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 300; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            log "dockerd (pid $pid) did not stop in 30s, killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        log "dockerd stopped"
    fi
    rm -f "$PIDFILE" "$SOCKET"
    bridge_down
}

cmd_status() {
    if engine_running && engine_answers; then
        printf 'dockerd running (pid %s) on %s\n' "$(engine_pid)" "$DOCKER_HOST_URL"
        dk images --filter "label=$LABEL" --format '{{.Repository}}:{{.Tag}}  {{.Size}}  {{.CreatedSince}}'
        dk ps -a --format '{{.ID}}  {{.Image}}  {{.Status}}  {{.Ports}}'
    else
        printf 'dockerd stopped (%s)\n' "$DOCKER_HOST_URL"
        return 3
    fi
}

# --------------------------------------------------------------------------------------------
# images

suite() {
    if [ -n "${LUCIA_CONTAINERS_SUITE:-}" ]; then echo "$LUCIA_CONTAINERS_SUITE"; return; fi
    # shellcheck disable=SC1091
    (. /etc/os-release && [ -n "${VERSION_CODENAME:-}" ] && echo "$VERSION_CODENAME") ||
        die "no VERSION_CODENAME in /etc/os-release: set LUCIA_CONTAINERS_SUITE"
}

# The first archive of this machine's apt sources serving SUITE's main component (the
# security and updates suites are other archives): deb822 .sources files, then one-line lists.
apt_mirror() {
    local suite=$1 f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -r "$f" ] || continue
        awk -v suite="$suite" '
            function flush() {
                if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && comps ~ /(^| )main( |$)/ && uris != "") {
                    split(uris, u, " "); print u[1]; found = 1; exit
                }
                types = suites = comps = uris = ""
            }
            /^[[:space:]]*$/ { flush(); next }
            /^Types:/ { sub(/^Types:[[:space:]]*/, ""); types = $0 }
            /^URIs:/ { sub(/^URIs:[[:space:]]*/, ""); uris = $0 }
            /^Suites:/ { sub(/^Suites:[[:space:]]*/, ""); suites = $0 }
            /^Components:/ { sub(/^Components:[[:space:]]*/, ""); comps = $0 }
            END { if (!found) flush() }' "$f" | head -n1 | grep . && return 0
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -r "$f" ] || continue
        sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
            awk -v suite="$suite" '$1 == "deb" && $3 == suite { for (i = 4; i <= NF; i++) if ($i == "main") { print $2; exit } }' |
            head -n1 | grep . && return 0
    done
    return 1
}

sha() { sha256sum | cut -c1-12; }

ferretdb_bin() {
    local path
    path=$(bash "$REPO/scripts/backends.sh" ferretdb-bin) || die "no FerretDB binary (scripts/backends.sh ferretdb-bin failed)"
    [ -x "$path" ] || die "scripts/backends.sh ferretdb-bin printed no executable: $path"
    printf '%s' "$path"
}

BASE_KEY="" BASE_TAR="" SUITE="" MIRROR=""
base_inputs() {
    SUITE=$(suite)
    MIRROR=$(apt_mirror "$SUITE") || die "no apt source of this machine serves '$SUITE main'"
    local debootstrap_version
    debootstrap_version=$(dpkg-query -W -f '${Version}' debootstrap 2>/dev/null || echo unknown)
    BASE_KEY=$(printf '%s\n' "$BASE_FORMAT" "$SUITE" "$MIRROR" "$debootstrap_version" "${BASE_PACKAGES[@]}" | sha)
    BASE_TAR=$CACHE/base-$SUITE-$BASE_KEY.tar
}

build_base_tar() {
    ensure_debootstrap
    mkdir -p "$CACHE"
    local root started=$SECONDS
    root=$(mktemp -d "$CACHE/rootfs.XXXXXX")
    log "debootstrap $SUITE from $MIRROR with ${BASE_PACKAGES[*]} (log $STATE/debootstrap.log)"
    local includes
    includes=$(IFS=,; echo "${BASE_PACKAGES[*]}")
    if ! as_root debootstrap --variant=minbase --include="$includes" --components=main \
        --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
        "$SUITE" "$root" "$MIRROR" >>"$STATE/debootstrap.log" 2>&1; then
        as_root rm -rf "$root"
        tail -n 20 "$STATE/debootstrap.log" >&2
        die "debootstrap failed; see $STATE/debootstrap.log"
    fi
    # What a server image does not need: package caches and lists, documentation, and the
    # clusters the packages' install scripts made (the entry point makes its own at first start).
    as_root rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
        "$root"/usr/share/doc "$root"/usr/share/man "$root"/usr/share/info \
        "$root"/var/lib/postgresql/* "$root"/etc/postgresql/* "$root"/var/lib/mysql \
        "$root"/var/log/*.log "$root"/tmp/*
    as_root mkdir -p "$root"/var/lib/postgresql "$root"/var/lib/mysql
    as_root tar --numeric-owner -C "$root" -cf "$BASE_TAR.tmp" .
    as_root rm -rf "$root"
    mv -f "$BASE_TAR.tmp" "$BASE_TAR"
    log "root file system built in $((SECONDS - started))s: $BASE_TAR ($(du -h "$BASE_TAR" | cut -f1))"
}

image_exists() { dk image inspect "$1" >/dev/null 2>&1; }

# commit_image NAME TAG BASE CMD PORTS ENV... : the base plus the entry point (and, for
# ferretdb, its binary) as NAME:TAG, labelled so that status and clean-up find it.
commit_image() {
    local name=$1 tag=$2 base=$3 cmd=$4 ports=$5
    shift 5
    local id change=() p e binary=""
    [ "$name" != ferretdb ] || binary=$(ferretdb_bin)
    change+=(-c 'ENTRYPOINT ["/usr/local/bin/lucia-entrypoint"]' -c "CMD [\"$cmd\"]")
    change+=(-c "LABEL $LABEL=$name" -c "ENV LUCIA_SERVER=$cmd")
    for p in $ports; do change+=(-c "EXPOSE $p/tcp"); done
    for e in "$@"; do change+=(-c "ENV $e"); done
    id=$(dk create --label "$LABEL=build" "$base" /bin/true 2>/dev/null)
    if ! { dk cp "$ENTRYPOINT" "$id:/usr/local/bin/lucia-entrypoint" &&
        { [ -z "$binary" ] || dk cp "$binary" "$id:/usr/local/bin/ferretdb"; } &&
        dk commit "${change[@]}" "$id" "lucia-$name:$tag" >/dev/null; }; then
        dk rm -f "$id" >/dev/null 2>&1 || true
        die "could not commit lucia-$name:$tag"
    fi
    dk rm -f "$id" >/dev/null
}

image_tag() { # NAME: the digest of every input of that image
    local extra=""
    [ "$1" = ferretdb ] && extra=$(sha256sum <"$(ferretdb_bin)" | cut -c1-16)
    { printf '%s\n' "$BASE_KEY" "$1" "$extra"; cat "$ENTRYPOINT"; } | sha
}

cmd_build() {
    engine_answers || die "dockerd is not running: scripts/containers.sh start"
    local started=$SECONDS name tag base
    base_inputs
    base=lucia-base:$BASE_KEY
    if ! image_exists "$base"; then
        if [ -f "$BASE_TAR" ]; then
            log "root file system cached: $BASE_TAR"
        else
            build_base_tar
        fi
        log "docker import $BASE_TAR as $base"
        dk import -c "LABEL $LABEL=base" "$BASE_TAR" "$base" >/dev/null
    fi
    for name in "${IMAGES[@]}"; do
        tag=$(image_tag "$name")
        if image_exists "lucia-$name:$tag"; then
            continue
        fi
        log "committing lucia-$name:$tag"
        case $name in
        postgres) commit_image postgres "$tag" "$base" postgres 5432 PGDATA=/var/lib/postgresql/data ;;
        mariadb) commit_image mariadb "$tag" "$base" mariadb 3306 ;;
        redis) commit_image redis "$tag" "$base" redis 6379 ;;
        ferretdb) commit_image ferretdb "$tag" "$base" ferretdb 27017 ;;
        esac
    done
    prune_old
    log "images ready in $((SECONDS - started))s"
}

prune_old() { # images of older inputs (another tag) go
    local name tag old
    for name in "${IMAGES[@]}"; do
        tag=$(image_tag "$name")
        for old in $(dk images --format '{{.Repository}}:{{.Tag}}' "lucia-$name"); do
            [ "$old" = "lucia-$name:$tag" ] || dk rmi "$old" >/dev/null 2>&1 || true
        done
    done
    for old in $(dk images --format '{{.Repository}}:{{.Tag}}' lucia-base); do
        [ "$old" = "lucia-base:$BASE_KEY" ] || dk rmi "$old" >/dev/null 2>&1 || true
    done
}

cmd_env() {
    base_inputs
    printf 'export DOCKER_HOST=%q\n' "$DOCKER_HOST_URL"
    # testcontainers' reaper (Ryuk) is an image from a registry: off; clean-up is `stop`'s job.
    printf 'export TESTCONTAINERS_RYUK_DISABLED=true\n'
    # testcontainers takes this machine for a container and would reach containers through the
    # bridge's gateway; the published ports are on 127.0.0.1 only.
    printf 'export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1\n'
    printf 'export TESTCONTAINERS_CONNECTION_MODE=docker_host\n'
    printf 'export LUCIA_POSTGRES_IMAGE=%q\n' "lucia-postgres:$(image_tag postgres)"
    printf 'export LUCIA_MYSQL_IMAGE=%q\n' "lucia-mariadb:$(image_tag mariadb)"
    printf 'export LUCIA_REDIS_IMAGE=%q\n' "lucia-redis:$(image_tag redis)"
    printf 'export LUCIA_REDIS_CLUSTER_IMAGE=%q\n' "lucia-redis:$(image_tag redis)"
    printf 'export LUCIA_MONGODB_IMAGE=%q\n' "lucia-ferretdb:$(image_tag ferretdb)"
}

cmd_run() {
    [ "$#" -gt 0 ] || die "run needs a command"
    trap 'cmd_stop' EXIT
    trap 'exit 130' INT TERM
    cmd_start
    cmd_build
    local env
    env=$(cmd_env)
    eval "$env"
    "$@"
}

usage() { sed -n '2,/^set -Eeuo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }

main() {
    local cmd=${1:-}
    [ "$#" -gt 0 ] && shift
    case $cmd in
    start) cmd_start ;;
    build) cmd_build ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    run) cmd_run "$@" ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
    esac
}

main "$@"
