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
# The tests start the servers themselves on free 127.0.0.1 ports (tests/oauth/servers.py) and
# run this script's install when something is missing. State: $LUCIA_OAUTH_SERVERS_DIR
# (default <repo>/.oauth-servers). Delete it for a clean slate.
set -Eeuo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${LUCIA_OAUTH_SERVERS_DIR:-$REPO/.oauth-servers}
KEYCLOAK_VERSION=${LUCIA_KEYCLOAK_VERSION:-26.4.7}

log() { printf '[oauth-servers] %s\n' "$*" >&2; }

install_oidc() {
    local target=$STATE/oidc-provider
    if [ -f "$target/node_modules/oidc-provider/package.json" ] &&
        cmp -s "$REPO/scripts/oauth-servers/package.json" "$target/package.json"; then
        return
    fi
    command -v npm >/dev/null || { log "npm is missing: apt-get install nodejs npm"; exit 1; }
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
    command -v mvn >/dev/null || { log "mvn is missing: apt-get install maven"; exit 1; }
    command -v java >/dev/null || { log "java is missing: apt-get install openjdk-17-jre-headless"; exit 1; }
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
