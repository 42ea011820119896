# Sourced by scripts/run.sh and scripts/test.sh: makes .venv and installs what they need.
# xstatic-bootstrap builds from source and its build breaks with setuptools 81+.
export PIP_CONSTRAINT="$PWD/scripts/pip-constraints.txt"
export PIP_DISABLE_PIP_VERSION_CHECK=1

# bootstrap_venv REQUIREMENTS [VENV]: VENV (default .venv) made if missing, REQUIREMENTS installed
# into it unless they are unchanged since it last did.
bootstrap_venv() {
  local requirements=$1 venv=${2:-.venv}
  local stamp=$venv/.installed-$requirements
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  if [ ! -f "$stamp" ] || [ -n "$(find requirements*.txt scripts/pip-constraints.txt -newer "$stamp")" ]; then
    "$venv/bin/pip" install --quiet -r "$requirements"
    touch "$stamp"
  fi
}

apt_install() {
  if ! command -v apt-get >/dev/null; then echo "apt-get not found: install $* by hand" >&2; return 1; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
