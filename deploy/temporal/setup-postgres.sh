#!/bin/sh
# One-shot job (service `temporal-schema`, image temporalio/admin-tools):
# creates the Temporal persistence and visibility databases in the stack's PostgreSQL and
# brings their schemas up to the version shipped with the admin-tools image.
#
# Idempotent, safe on every `docker compose up`: `create` ignores an existing database,
# `setup-schema -v 0.0` skips a database already past 0.0, and `update-schema` applies only
# the versions not yet recorded. Upgrading the Temporal images is therefore: bump
# TEMPORAL_VERSION, `docker compose up -d` (this job runs first and migrates the schema).
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD is required}" # read by temporal-sql-tool itself
PORT="${DB_PORT:-5432}"
SCHEMA_ROOT="${SCHEMA_ROOT:-/etc/temporal/schema/postgresql/v12}"

sql() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$PORT" -u "$POSTGRES_USER" "$@"
}

attempt=1
until nc -z -w 5 "$POSTGRES_SEEDS" "$PORT"; do
  [ "$attempt" -ge 30 ] && { echo "PostgreSQL at $POSTGRES_SEEDS:$PORT unreachable" >&2; exit 1; }
  attempt=$((attempt + 1)); sleep 2
done

for pair in "${DBNAME:-temporal}:temporal" "${VISIBILITY_DBNAME:-temporal_visibility}:visibility"; do
  db="${pair%%:*}"; dir="${pair#*:}"
  echo "schema: database $db ($dir)"
  sql --db "$db" create
  sql --db "$db" setup-schema -v 0.0
  sql --db "$db" update-schema -d "$SCHEMA_ROOT/$dir/versioned"
done
echo "schema: up to date"
