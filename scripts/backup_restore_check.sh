#!/usr/bin/env bash
# Proves a backup restores: pg_dump -Fc of a database, pg_restore into a fresh scratch database
# on the same server, then `migrate --check` and `check_ledger` against the restored copy.
# Usage: scripts/backup_restore_check.sh [postgres://user@host:port/dbname]   (default: $DATABASE_URL)
# Exits non-zero on any failure; the scratch database and the dump are always removed.
# Keep the dump instead with BACKUP_FILE=/path/to/file.dump.
set -euo pipefail
cd "$(dirname "$0")/.."

SOURCE_URL="${1:-${DATABASE_URL:-}}"
case "$SOURCE_URL" in
  postgres://*|postgresql://*) ;;
  *) echo "usage: $0 postgres://user@host:port/dbname (or set DATABASE_URL)" >&2; exit 2 ;;
esac
PYTHON="${PYTHON:-.venv/bin/python}"

SOURCE_URL="${SOURCE_URL%%\?*}"          # query options (sslmode…) are not part of the name
SERVER_URL="${SOURCE_URL%/*}"
SOURCE_DB="${SOURCE_URL##*/}"
SCRATCH_DB="restore_check_$(date +%Y%m%d%H%M%S)_$$"
SCRATCH_URL="$SERVER_URL/$SCRATCH_DB"
MAINTENANCE_URL="$SERVER_URL/postgres"
WORK_DIR="$(mktemp -d)"
DUMP="${BACKUP_FILE:-$WORK_DIR/$SOURCE_DB.dump}"
CREATED=0

cleanup() {
  status=$?
  if [ "$CREATED" = 1 ]; then
    dropdb --if-exists --force --maintenance-db="$MAINTENANCE_URL" "$SCRATCH_DB" \
      || { echo "could not drop scratch database $SCRATCH_DB: drop it by hand" >&2; status=1; }
  fi
  rm -rf "$WORK_DIR"
  exit "$status"
}
trap cleanup EXIT

echo "1/4 pg_dump -Fc $SOURCE_DB -> $DUMP"
pg_dump --format=custom --no-owner --no-acl --file="$DUMP" "$SOURCE_URL"

echo "2/4 pg_restore into fresh database $SCRATCH_DB"
createdb --maintenance-db="$MAINTENANCE_URL" --encoding=UTF8 --template=template0 "$SCRATCH_DB"
CREATED=1
pg_restore --exit-on-error --no-owner --no-acl --dbname="$SCRATCH_URL" "$DUMP"

echo "3/4 every migration of this code is in the restored schema"
DATABASE_URL="$SCRATCH_URL" "$PYTHON" manage.py migrate --check --no-input -v 0

echo "4/4 check_ledger on the restored copy"
DATABASE_URL="$SCRATCH_URL" "$PYTHON" manage.py check_ledger

echo "Backup restore check passed: $SOURCE_DB restored into $SCRATCH_DB, ledger consistent."
