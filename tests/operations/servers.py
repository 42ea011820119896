"""Services of the fault tests' own: a PostgreSQL cluster made with initdb in a temporary
directory, a redis-server, and the portal under gunicorn with production settings, all on free
loopback ports, so stopping them never touches the machine's shared services."""

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from tests.security.production import ROOT, production_env
from tests.waiting import wait_until

PG_BIN = Path("/usr/lib/postgresql/15/bin")
DEMO_ADDRESS = "mario.rossi@pec.ording.roma.it"
DEMO_PASSWORD = "Guasti-Prova1!"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Postgres:
    """initdb refuses to run as root, so the cluster belongs to the postgres user when we are root."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pecportal-fault-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *args, check=True):
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, timeout=60)

    def init(self):
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        self.start()

    def start(self):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self):
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def running(self):
        return self._run("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0

    def destroy(self):
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, timeout=10, what="redis-server ready")

    def _answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def portal_env(*, database_url, redis_url=""):
    return production_env(
        DJANGO_SETTINGS_MODULE="tests.operations.fault_settings", DATABASE_URL=database_url,
        REDIS_URL=redis_url, ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="0", LOG_LEVEL="WARNING",
    )


def prepare_database(database_url):
    env = portal_env(database_url=database_url)
    for command in (["migrate", "--noinput"], ["seed_demo", "--password", DEMO_PASSWORD]):
        done = subprocess.run([sys.executable, "manage.py", *command], check=False, cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr


class Portal:
    """gunicorn with the project's gunicorn.conf.py, two sync workers, production settings."""

    def __init__(self, *, database_url, redis_url=""):
        self.port = free_port()
        self.env = {**portal_env(database_url=database_url, redis_url=redis_url),
                    "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": "2"}
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 — gunicorn writes to it for the fixture's life
            prefix="pecportal-fault-gunicorn-", suffix=".log", delete=False)
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "pecportal.wsgi:application"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        # Workers load Django after binding the port: wait for an answer, not for the port.
        wait_until(self._answers, timeout=90, interval=0.5, what="gunicorn answering")

    def _answers(self):
        assert self.process.poll() is None, Path(self.log.name).read_text()
        try:
            self.request("GET", "/healthz", timeout=30)
            return True
        except OSError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(15)
        Path(self.log.name).unlink(missing_ok=True)

    def request(self, method, path, *, cookies=None, form=None, timeout=10):
        """What a browser gets: status, headers and body, with no redirect followed."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Host": "127.0.0.1"}
        if cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.headers, response.read().decode(errors="replace")
        finally:
            connection.close()

    def log_in(self):
        """The holder's session cookies, got through the login form as a browser does."""
        status, headers, page = self.request("GET", "/login/")
        cookies = _cookies(headers)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, headers, _ = self.request("POST", "/login/", cookies=cookies,
                                          form={"username": DEMO_ADDRESS, "password": DEMO_PASSWORD,
                                                "csrfmiddlewaretoken": token})
        assert status == 302, status
        return {**cookies, **_cookies(headers)}


def _cookies(headers):
    # The cookies are Secure (production): a cookie jar would not send them over plain HTTP.
    jar = SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


class Load:
    """A few clients requesting pages in a loop, each answer recorded with when it was sent and
    received; bounded by the caller's stop() and by ``max_seconds``."""

    def __init__(self, portal, paths, *, cookies, clients=4, max_seconds=60):
        import threading

        self.portal, self.paths, self.cookies = portal, paths, cookies
        self.answers = []
        self._stop = threading.Event()
        self._deadline = time.monotonic() + max_seconds
        self._threads = [threading.Thread(target=self._run, args=(n,)) for n in range(clients)]

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def _run(self, offset):
        n = offset
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            path = self.paths[n % len(self.paths)]
            n += 1
            sent = time.monotonic()
            try:
                # A load balancer polls the health check without the holder's cookies.
                cookies = None if path == "/healthz" else self.cookies
                status, _, body = self.portal.request("GET", path, cookies=cookies)
            except OSError as exc:
                status, body = None, repr(exc)
            self.answers.append((sent, time.monotonic(), path, status, body))
            time.sleep(0.02)

    def between(self, start, end):
        return [answer for answer in self.answers if answer[0] >= start and answer[1] <= end]


def shell(database_url, code):
    """Run ``code`` in ``manage.py shell`` against ``database_url``; its standard output."""
    done = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", code], check=False, cwd=ROOT,
                          env=portal_env(database_url=database_url), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout
