#!/bin/sh
# Run once by the `influxdb3-init` service: the databases syncapi reads. InfluxDB creates a
# database on its first write, but on a fresh stack syncapi reads before anything wrote, and
# a query of a missing database fails (/ready then says "degraded").
set -eu
for database in "$INFLUXDB_DATABASE" "$INFLUXDB_STATS_DATABASE"; do
    if output=$(influxdb3 create database "$database" --host http://influxdb3:8181 \
        --token "$INFLUXDB_TOKEN" 2>&1); then
        echo "syncapi: InfluxDB database $database created"
    elif printf '%s' "$output" | grep -qi "already exists"; then
        echo "syncapi: InfluxDB database $database exists"
    else
        printf '%s\n' "$output" >&2
        exit 1
    fi
done
