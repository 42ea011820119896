"""docker-compose.yml with .env.example filled in as the README says: the web service's
environment passes the deploy check, and its health check passes against the portal it starts.

Docker is not needed: the compose file's environment is read and interpolated here as compose does
(`${X}`, `${X:-default}`, `${X:?message}`), and the services on the compose network (postgres,
redis) are the fault tests' own on loopback."""

import json
import os
import re
import subprocess
import sys

import pytest

from tests.operations.servers import Portal, Redis, free_port
from tests.security.production import ROOT

pytestmark = pytest.mark.fault

# What the README's Production section says to set after `cp .env.example .env`, besides ALLOWED_HOSTS
# (which .env.example already fills in).
FILLED_IN = {
    "SECRET_KEY": "compose-test-secret-" + "s" * 40,
    "POSTGRES_PASSWORD": "compose-test-postgres",
    "REDIS_PASSWORD": "compose-test-redis",
    "STRIPE_SECRET_KEY": "sk_live_compose_test",
    "STRIPE_PUBLISHABLE_KEY": "pk_live_compose_test",
    "STRIPE_WEBHOOK_SECRET": "whsec_compose_test",
}
_VARIABLE = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


class ComposeRefuses(Exception):
    pass


def dotenv(path):
    lines = (line.strip() for line in path.read_text().splitlines())
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def interpolate(value, variables):
    def replace(match):
        name, kind, argument = match.groups()
        if variables.get(name):
            return variables[name]
        if kind == "?":
            raise ComposeRefuses(name)
        return argument if kind == "-" else ""

    return _VARIABLE.sub(replace, value)


def compose_lines():
    return (ROOT / "docker-compose.yml").read_text().splitlines()


def web_environment(variables):
    """What the web service (the x-portal block) gets: env_file .env, then its environment list."""
    lines = compose_lines()
    start = lines.index("x-portal: &portal")
    assert "  env_file: .env" in lines[start:lines.index("services:")]
    block = lines.index("  environment:", start) + 1
    environment = dict(variables)
    for line in lines[block:]:
        if not line.startswith("    "):
            break
        name, value = line.strip().split(": ", 1)
        environment[name] = interpolate(value.strip('"'), variables)
    return environment


def web_health_command():
    lines = compose_lines()
    web = lines.index("  web:")
    test = next(line for line in lines[web:] if line.strip().startswith("test:"))
    kind, *command = json.loads(test.split("test:", 1)[1])
    assert kind == "CMD"
    return command


def test_compose_refuses_to_start_until_the_blanks_of_env_example_are_filled():
    variables = dotenv(ROOT / ".env.example")
    missing = set()
    while True:
        try:
            web_environment({**variables, **dict.fromkeys(missing, "x")})
            break
        except ComposeRefuses as refusal:
            missing.add(refusal.args[0])
    assert missing == set(FILLED_IN)


@pytest.fixture
def compose_env(own_postgres):
    environment = web_environment({**dotenv(ROOT / ".env.example"), **FILLED_IN})
    assert environment["DEBUG"] == "0" and environment["ALLOWED_HOSTS"] == "areaclienti.pec.example.it"
    redis = Redis()
    # The compose network's host names do not exist here: the same services, on loopback.
    environment.update(DATABASE_URL=own_postgres.url, REDIS_URL=redis.url)
    yield {"PATH": os.environ["PATH"], **environment}, redis
    redis.stop()


def test_the_web_services_environment_passes_the_deploy_check(compose_env):
    env, _ = compose_env
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_health_check_passes_with_env_example_and_fails_when_redis_is_down(compose_env):
    env, redis = compose_env
    redis.start()
    portal = Portal(database_url=env["DATABASE_URL"])
    portal.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{free_port()}", "GUNICORN_WORKERS": "1"}
    portal.port = int(portal.env["GUNICORN_BIND"].rsplit(":", 1)[1])
    _, *arguments = web_health_command()

    def health_check():
        return subprocess.run([sys.executable, *arguments], cwd=ROOT, env=portal.env, capture_output=True,
                              text=True, timeout=30, check=False)

    portal.start()
    try:
        healthy = health_check()
        assert healthy.returncode == 0, healthy.stderr
        redis.stop()
        unhealthy = health_check()
        assert unhealthy.returncode == 1
        assert "503" in unhealthy.stderr
    finally:
        portal.stop()
