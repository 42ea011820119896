#!/usr/bin/env bash
# Runs the portal on embedded defaults: SQLite, tasks in-process, localstripe, e-mails to files.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
bootstrap_venv requirements-demo.txt
command -v curl >/dev/null || apt_install curl

# The demo runs in development mode: production (DEBUG unset or 0) refuses these defaults.
export DEBUG=1
PORT="${PORT:-8000}"
DEMO_PASSWORD="${DEMO_PASSWORD:-Rossi-Pec-2026!}"
mkdir -p var
.venv/bin/python manage.py migrate --no-input -v 0
.venv/bin/python manage.py seed_demo --password "$DEMO_PASSWORD"

# Without real Stripe keys, payments go to localstripe on loopback (docs/billing.md).
STRIPE_INFO="Stripe (real keys from STRIPE_SECRET_KEY)"
if [ -z "${STRIPE_SECRET_KEY:-}" ]; then
  LOCALSTRIPE_PORT="${LOCALSTRIPE_PORT:-8420}"
  export STRIPE_API_BASE="http://127.0.0.1:$LOCALSTRIPE_PORT"
  export STRIPE_WEBHOOK_SECRET="${STRIPE_WEBHOOK_SECRET:-whsec_localstripe}"
  .venv/bin/python -m billing.localstripe_server --port "$LOCALSTRIPE_PORT" >var/localstripe.log 2>&1 &
  LOCALSTRIPE_PID=$!
  trap 'kill "$LOCALSTRIPE_PID" 2>/dev/null || true' EXIT INT TERM
  for _ in $(seq 100); do
    curl -fsS -o /dev/null "$STRIPE_API_BASE/js.stripe.com/v3/" 2>/dev/null && break
    kill -0 "$LOCALSTRIPE_PID" 2>/dev/null || { echo "localstripe did not start: see var/localstripe.log" >&2; exit 1; }
    sleep 0.1
  done
  curl -fsS -o /dev/null -X POST "$STRIPE_API_BASE/_config/webhooks/portal" \
    -d "url=http://127.0.0.1:$PORT/stripe/webhook/" -d "secret=$STRIPE_WEBHOOK_SECRET" \
    -d "events[]=payment_intent.succeeded" -d "events[]=payment_intent.payment_failed"
  STRIPE_INFO="localstripe at $STRIPE_API_BASE (test mode, no real card; log in var/localstripe.log)"
fi

cat <<INFO

  Area Clienti PEC:  http://127.0.0.1:$PORT/
  Demo login:        mario.rossi@pec.ording.roma.it  /  $DEMO_PASSWORD
  Payments:          $STRIPE_INFO
  E-mails:           var/mail/

INFO
# Not exec: this shell stays to stop localstripe when the portal exits.
.venv/bin/python manage.py runserver "127.0.0.1:$PORT"
