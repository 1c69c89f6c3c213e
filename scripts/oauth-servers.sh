#!/usr/bin/env bash
# The authorization servers of the OAuth tests, installed into a gitignored folder of the repo.
#
#   scripts/oauth-servers.sh install [oidc|keycloak ...]   install what is missing (default: both)
#   scripts/oauth-servers.sh path oidc|keycloak           print where it is installed
#
#   oidc      npm `oidc-provider` (panva), the version in scripts/oauth-servers/package.json, with
#             the machine's npm (and its configured registry); needs Node 18+.
#   keycloak  `org.keycloak:keycloak-quarkus-dist` (zip) through the machine's Maven (and its
#             configured repositories), unpacked; needs Java 17+.
#
# Node, npm, Java 17 and Maven come from Debian's packages when missing.
#
# The tests start the servers themselves on free 127.0.0.1 ports (tests/oauth/servers.py) and
# run this script's install when something is missing. State: $LUCIA_OAUTH_SERVERS_DIR
# (default <repo>/.oauth-servers). Delete it for a clean slate.
set -Eeuo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${LUCIA_OAUTH_SERVERS_DIR:-$REPO/.oauth-servers}
KEYCLOAK_VERSION=${LUCIA_KEYCLOAK_VERSION:-26.4.7}

log() { printf '[oauth-servers] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# Debian's packages for what is missing (a fresh CI machine); LUCIA_OAUTH_SERVERS_NO_INSTALL=1
# fails instead.
apt_install() {
    [ "${LUCIA_OAUTH_SERVERS_NO_INSTALL:-}" != 1 ] || die "missing: $* (LUCIA_OAUTH_SERVERS_NO_INSTALL=1)"
    command -v apt-get >/dev/null 2>&1 || die "missing packages ($*) and no apt-get: install them by hand"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    log "installing Debian packages: $*"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2
}

java_major() {
    java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1
}

install_oidc() {
    local target=$STATE/oidc-provider
    if [ -f "$target/node_modules/oidc-provider/package.json" ] &&
        cmp -s "$REPO/scripts/oauth-servers/package.json" "$target/package.json"; then
        return
    fi
    command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
    log "installing oidc-provider into $target"
    mkdir -p "$target"
    cp "$REPO/scripts/oauth-servers/package.json" "$target/package.json"
    (cd "$target" && npm install --no-audit --no-fund --no-package-lock --loglevel=error >&2)
}

install_keycloak() {
    local target=$STATE/keycloak-$KEYCLOAK_VERSION
    if [ -x "$target/bin/kc.sh" ]; then
        return
    fi
    command -v java >/dev/null && [ "$(java_major)" -ge 17 ] || apt_install openjdk-17-jre-headless
    command -v mvn >/dev/null || apt_install maven
    log "fetching Keycloak $KEYCLOAK_VERSION with Maven"
    mkdir -p "$STATE/downloads"
    mvn --batch-mode --quiet dependency:copy \
        "-Dartifact=org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip" \
        "-DoutputDirectory=$STATE/downloads" >&2
    local zip=$STATE/downloads/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip
    rm -rf "$target.partial"
    mkdir -p "$target.partial"
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$zip" "$target.partial"
    mv "$target.partial/keycloak-$KEYCLOAK_VERSION" "$target"
    rmdir "$target.partial"
    rm -f "$zip" # Maven's own repository keeps a copy
    chmod +x "$target/bin/"*.sh
}

case ${1:-} in
    install)
        shift
        names=("$@")
        [ ${#names[@]} -gt 0 ] || names=(oidc keycloak)
        for name in "${names[@]}"; do
            case $name in
                oidc) install_oidc ;;
                keycloak) install_keycloak ;;
                *) log "unknown server: $name"; exit 2 ;;
            esac
        done
        ;;
    path)
        case ${2:-} in
            oidc) echo "$STATE/oidc-provider/node_modules" ;;
            keycloak) echo "$STATE/keycloak-$KEYCLOAK_VERSION" ;;
            *) log "usage: $0 path oidc|keycloak"; exit 2 ;;
        esac
        ;;
    *) sed -n '2,14p' "$0"; exit 2 ;;
esac
