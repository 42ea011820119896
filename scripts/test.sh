#!/usr/bin/env bash
# Runs the whole test suite on PostgreSQL and Redis over real connections.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
bootstrap_venv requirements-dev.txt
[ -x /usr/bin/chromium ] || apt_install chromium
# The Nu HTML checker (tests/ui) runs on Java from npm's vnu-jar, kept in the git-ignored .cache/.
command -v java >/dev/null || apt_install default-jre-headless
export VNU_JAR="$PWD/.cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar"
if [ ! -f "$VNU_JAR" ]; then
  command -v npm >/dev/null || apt_install npm
  npm install --silent --no-audit --no-fund --prefix .cache/vnu vnu-jar@26
fi

pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 \
  || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done

export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/pecportal}"
export REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/5}"
export CELERY_EAGER=1 DEBUG=1
.venv/bin/lint-imports
exec .venv/bin/python -m pytest "$@"
