#!/bin/sh
# The influxdb3 service of docker-compose.yml. At first start the server has no token: it
# creates its admin token from an "offline" token file (InfluxDB 3.4+, `--admin-token-file`)
# holding INFLUXDB_TOKEN from deploy/secrets.env, the token syncapi sends. Later starts find
# that token in the server's catalog and ignore the file.
set -eu
: "${INFLUXDB_TOKEN:?set INFLUXDB_TOKEN in deploy/secrets.env (README: The full stack)}"
case "$INFLUXDB_TOKEN" in
    apiv3_*[!A-Za-z0-9_-]* | apiv3_) bad=1 ;;
    apiv3_*) bad=0 ;;
    *) bad=1 ;;
esac
if [ "$bad" = 1 ]; then
    echo "INFLUXDB_TOKEN must be apiv3_ and letters, digits, _ or - (deploy/make-secrets.sh)" >&2
    exit 1
fi
data=/var/lib/influxdb3
token_file="$data/admin-token.json"
if [ ! -s "$token_file" ]; then
    umask 077
    printf '{"token": "%s", "name": "_admin"}\n' "$INFLUXDB_TOKEN" > "$token_file"
fi
exec influxdb3 serve --node-id syncapi --object-store file --data-dir "$data/data" \
    --admin-token-file "$token_file"
