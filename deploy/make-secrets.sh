#!/bin/sh
# Writes deploy/secrets.env, the secrets of the compose stack, once (never committed: see
# .gitignore). JWT_SECRET signs syncapi's tokens; METRICS_TOKEN opens /metrics to Prometheus;
# INFLUXDB_TOKEN is InfluxDB's admin token, created with it at its first start, and the one
# syncapi sends. Run again, it keeps the file: the InfluxDB token is in InfluxDB's volume.
set -eu
file="$(dirname "$0")/secrets.env"
if [ -e "$file" ]; then
    echo "$file exists: kept"
    exit 0
fi
umask 077
token() {
    python3 -c "import secrets; print(secrets.token_urlsafe($1))"
}
{
    echo "# Made by deploy/make-secrets.sh; never commit this file."
    echo "JWT_SECRET=$(token 48)"
    echo "METRICS_TOKEN=$(token 32)"
    echo "INFLUXDB_TOKEN=apiv3_$(token 32)"
} > "$file"
echo "$file written"
