"""The load benchmark: a private PostgreSQL (initdb) and a private Redis (the cache, as in
production), gunicorn with the project's gunicorn.conf.py and production settings, wrk at 16
connections against the portal's pages and two ceilings.
Started by bench/load/run.sh; prints a Markdown table."""

import argparse
import json
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.operations.servers import Portal, Postgres, Redis, portal_env  # noqa: E402

HERE = Path(__file__).resolve().parent
SETTINGS = "bench.load.bench_settings"
PASSWORD = "Bench-Carico-2026!"
RESULT = re.compile(r"RESULT requests=(\d+) seconds=([\d.]+) non200=(\d+) socket_errors=(\d+) "
                    r"p50=([\d.]+) p95=([\d.]+) p99=([\d.]+) bad_status=(\d+)")


def bench_env(database_url):
    return {**portal_env(database_url=database_url), "DJANGO_SETTINGS_MODULE": SETTINGS}


def run(command, env, timeout=600):
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


@contextmanager
def bench_database():
    """A private PostgreSQL, migrated and filled by setup_data.py, removed on the way out. Yields its
    URL, the portal's environment for it and setup_data's last line (JSON: login, mailbox id, list cursors)."""
    postgres = Postgres()
    try:
        postgres.init()
        env = bench_env(postgres.url)
        run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env)
        yield postgres.url, env, run([sys.executable, str(HERE / "setup_data.py"), PASSWORD], env).strip().splitlines()[-1]
    finally:
        postgres.destroy()


@contextmanager
def private_redis():
    """The cache the portal uses in production, on a free loopback port; stopped on the way out."""
    redis = Redis()
    redis.start()
    try:
        yield redis.url
    finally:
        redis.stop()


ANONYMOUS_CEILING = ("ceiling (a): anonymous, 1 query", "/bench/ceiling-anonymous/")


def holder_pages(data):
    """The logged-in pages that run.sh, cpu_pages.py and profile_pages.py measure, (name, path),
    ceiling (b) first; ``data`` is setup_data's output (the mailbox id and the list cursors)."""
    mailbox, cursors = data["mailbox_id"], data["cursors"]
    return [
        ("ceiling (b): session + user + 1 query", "/bench/ceiling-logged-in/"),
        ("dashboard", "/"),
        ("mailbox list, page 1", "/mailboxes/"),
        ("mailbox list, middle (after row 5,000)", f"/mailboxes/?after={cursors['mailboxes_middle']}"),
        ("mailbox list, last page", f"/mailboxes/?after={cursors['mailboxes_last']}"),
        ("mailbox detail", f"/mailboxes/{mailbox}/"),
        ("operations, page 1", "/operations/"),
        ("operations, deep (after row 9,975)", f"/operations/?after={cursors['operations_deep']}"),
        ("add-on order", f"/mailboxes/{mailbox}/addons/new/"),
        ("top-up", "/credit/topup/"),
        ("renewal forecast (15,000 rows)", "/renewals/forecast/"),
    ]


def api_pages(data):
    """GET /api/v1/mailboxes/ with the holder's token: first, middle and last page (name, path)."""
    cursors = data["cursors"]
    return [
        ("API mailboxes, page 1 (token)", "/api/v1/mailboxes/"),
        ("API mailboxes, middle (after row 5,000)", f"/api/v1/mailboxes/?after={cursors['mailboxes_middle']}"),
        ("API mailboxes, last page", f"/api/v1/mailboxes/?after={cursors['mailboxes_last']}"),
    ]


def start_portal(database_url, workers, redis_url):
    portal = Portal(database_url=database_url, redis_url=redis_url)
    portal.env.update(DJANGO_SETTINGS_MODULE=SETTINGS, GUNICORN_WORKERS=str(workers))
    portal.start()
    return portal


def log_in(portal, address):
    # The session cookie is Secure (production); it is sent back by hand over plain HTTP.
    def cookies_of(headers):
        jar = SimpleCookie()
        for value in headers.get_all("Set-Cookie") or []:
            jar.load(value)
        return {name: morsel.value for name, morsel in jar.items()}

    _, headers, page = portal.request("GET", "/login/")
    cookies = cookies_of(headers)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    status, headers, _ = portal.request("POST", "/login/", cookies=cookies, form={
        "username": address, "password": PASSWORD, "csrfmiddlewaretoken": token})
    if status != 302:
        raise SystemExit(f"login failed: {status}")
    cookies.update(cookies_of(headers))
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def sessions(database_url):
    """PostgreSQL sessions ever opened on the cluster (pg_stat_database.sessions, PostgreSQL 14+)."""
    out = subprocess.run(["psql", "-X", "-q", "-t", "-A", database_url, "-c",
                          "SELECT sum(sessions) FROM pg_stat_database"],
                         capture_output=True, text=True, check=True, timeout=30).stdout
    return int(out.strip())


def wrk(portal, path, cookie, seconds, connections, authorization=""):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(HERE / "count_non200.lua"),
               f"http://127.0.0.1:{portal.port}{path}"]
    out = subprocess.run(command, env={"BENCH_COOKIE": cookie, "BENCH_AUTHORIZATION": authorization,
                                       "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    requests, secs, non200, socket_errors, p50, p95, p99, bad_status = RESULT.search(out).groups()
    if int(non200):
        print(f"{path}: {non200} answers were not 200 (one was {bad_status}); socket errors: {socket_errors}",
              flush=True)
    return {"requests": int(requests), "rps": int(requests) / float(secs), "errors": int(non200) + int(socket_errors),
            "p50": float(p50), "p95": float(p95), "p99": float(p99)}


def measure(portal, database_url, path, cookie, *, seconds, connections, authorization=""):
    wrk(portal, path, cookie, 2, connections, authorization)  # warm-up: workers' connections and caches
    before = sessions(database_url)
    result = wrk(portal, path, cookie, seconds, connections, authorization)
    time.sleep(1.5)  # backends report their statistics at most once a second
    # The psql that read "before" is itself one session.
    result["new_connections"] = max(sessions(database_url) - before - 1, 0)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", default="2,3,5", help="worker counts tried on the dashboard")
    parser.add_argument("--out", help="also write the Markdown to this file")
    parser.add_argument("--api-only", action="store_true", help="only the ceilings and the API's pages")
    args = parser.parse_args()

    portal = None
    lines = []

    def say(line=""):
        print(line, flush=True)
        lines.append(line)

    started = time.monotonic()
    with private_redis() as redis_url, bench_database() as (database_url, _env, data_line):
        data = json.loads(data_line)
        print(f"PostgreSQL, migrations and data ready in {time.monotonic() - started:.0f} s", flush=True)
        try:
            say(f"### Worker count (sync), dashboard, {args.connections} connections, {args.seconds} s")
            say()
            say("| workers | req/s | p50 ms | p95 ms | p99 ms | non-200 |")
            say("| ---: | ---: | ---: | ---: | ---: | ---: |")
            tried = {}
            for workers in [int(n) for n in args.workers.split(",")]:
                portal = start_portal(database_url, workers, redis_url)
                cookie = log_in(portal, data["address"])
                r = measure(portal, database_url, "/", cookie, seconds=args.seconds, connections=args.connections)
                tried[workers] = r
                say(f"| {workers} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['errors']} |")
                portal.stop()
                portal = None
            chosen = max(tried, key=lambda n: tried[n]["rps"])
            say()

            portal = start_portal(database_url, chosen, redis_url)
            cookie = log_in(portal, data["address"])
            pages = holder_pages(data)[:1] if args.api_only else holder_pages(data)
            bearer = f"Bearer {data['api_key']}"
            targets = [(*ANONYMOUS_CEILING, "", ""), *((name, path, cookie, "") for name, path in pages),
                       *((name, path, "", bearer) for name, path in api_pages(data))]
            results = [(name, path, measure(portal, database_url, path, cookie, seconds=args.seconds,
                                            connections=args.connections, authorization=authorization))
                       for name, path, cookie, authorization in targets]
            ceiling = results[1][2]["rps"]
            say(f"### Pages: {chosen} sync workers, {args.connections} connections, {args.seconds} s each")
            say()
            say("| page | path | req/s | p50 ms | p95 ms | p99 ms | non-200 | vs (b) | new conn./req | target |")
            say("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |")
            for index, (name, path, r) in enumerate(results):
                per_request = r["new_connections"] / r["requests"] if r["requests"] else 0
                met = r["rps"] >= 0.5 * ceiling and r["p95"] <= 50 and r["errors"] == 0 and per_request <= 0.01
                say(f"| {name} | `{path}` | {r['rps']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | "
                    f"{r['errors']} | {r['rps'] / ceiling:.0%} | {per_request:.4f} ({r['new_connections']}) | "
                    f"{'—' if index < 2 else 'yes' if met else 'NO'} |")
        finally:
            if portal:
                portal.stop()
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
