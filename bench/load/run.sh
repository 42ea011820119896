#!/usr/bin/env bash
# Load benchmark (issue 9): a private PostgreSQL made with initdb on a free loopback port, the portal
# under gunicorn (gunicorn.conf.py, production settings + bench/load/bench_settings.py), wrk at 16
# connections. Never touches the machine's shared PostgreSQL or Redis. Prints a Markdown table.
# Usage: bench/load/run.sh [--seconds 10] [--connections 16] [--workers 2,3,5] [--out FILE]
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bootstrap.sh
bootstrap_venv requirements.txt
command -v wrk >/dev/null || apt_install wrk
command -v psql >/dev/null || apt_install postgresql-client
[ -x /usr/lib/postgresql/15/bin/initdb ] || apt_install postgresql-15
exec .venv/bin/python bench/load/loadtest.py "$@"
