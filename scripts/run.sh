#!/usr/bin/env bash
# Runs the portal on embedded defaults: SQLite, tasks in-process, localstripe, e-mails to files.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
bootstrap_venv requirements.txt

PORT="${PORT:-8000}"
DEMO_PASSWORD="${DEMO_PASSWORD:-Rossi-Pec-2026!}"
mkdir -p var
.venv/bin/python manage.py migrate --no-input -v 0
.venv/bin/python manage.py seed_demo --password "$DEMO_PASSWORD"

cat <<INFO

  Area Clienti PEC:  http://127.0.0.1:$PORT/
  Demo login:        mario.rossi@pec.ording.roma.it  /  $DEMO_PASSWORD
  E-mails:           var/mail/

INFO
exec .venv/bin/python manage.py runserver "127.0.0.1:$PORT"
