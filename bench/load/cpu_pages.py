"""CPU per request of each benchmark page, in one process (Django's test client, production settings,
the benchmark's data on a private PostgreSQL): `time.process_time`, so other jobs on the machine
barely move the figures, unlike wrk's. Usage: .venv/bin/python bench/load/cpu_pages.py [REQUESTS]

Prints, per page, the best of three loops of REQUESTS requests (default 200) and the SQL queries of
one request. The Python side only: PostgreSQL's own CPU is not in it."""

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from bench.load.loadtest import ANONYMOUS_CEILING, PASSWORD, ROOT, api_pages, bench_database, holder_pages  # noqa: E402


def child(data, requests):
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    anonymous = Client(HTTP_HOST="127.0.0.1")
    holder = Client(HTTP_HOST="127.0.0.1")
    assert holder.post("/login/", {"username": data["address"], "password": PASSWORD}).status_code == 302
    system = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {data['api_key']}")
    pages = [(*ANONYMOUS_CEILING, anonymous),
             *((name, path, holder) for name, path in holder_pages(data)),
             *((name, path, system) for name, path in api_pages(data))]
    print("| page | CPU ms / request | SQL queries |\n| --- | ---: | ---: |", flush=True)
    for name, path, client in pages:
        for _ in range(10):  # templates, translations and connections warm
            assert client.get(path).status_code == 200, path
        queries = []

        def count(execute, sql, *args, seen=queries):
            seen.append(sql)
            return execute(sql, *args)

        with connection.execute_wrapper(count):
            client.get(path)
        loops = []
        for _ in range(3):
            started = time.process_time()
            for _ in range(requests):
                client.get(path)
            loops.append((time.process_time() - started) * 1000 / requests)
        print(f"| {name} | {min(loops):.2f} | {len(queries)} |", flush=True)


def main():
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with bench_database() as (_database_url, env, data):
        subprocess.run([sys.executable, __file__, "--child", data, str(requests)], cwd=ROOT, env=env, check=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(json.loads(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
