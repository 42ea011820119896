"""Profiles the benchmark's pages with pyinstrument, one process, no concurrency: milliseconds and
SQL queries per request and where the time goes. pyinstrument is not a project requirement:
`.venv/bin/pip install pyinstrument` for the run. Usage: .venv/bin/python bench/load/profile_pages.py [OUT_DIR]"""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from bench.load.loadtest import PASSWORD, ROOT, bench_database, holder_pages  # noqa: E402

REQUESTS = 50


def slug(name):
    """A page's file name and PROFILE_PAGES name: "mailbox list, page 1" -> "mailbox-list-page-1"."""
    return re.sub(r"[^a-z0-9]+", "-", name.split(":")[0].lower()).strip("-")


def child(out_dir, data):
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    client = Client(HTTP_HOST="127.0.0.1")
    response = client.post("/login/", {"username": data["address"], "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    pages = {slug(name): path for name, path in holder_pages(data)}
    only = os.environ.get("PROFILE_PAGES")
    for name, path in pages.items():
        if only and name not in only.split(","):
            continue
        for _ in range(5):
            assert client.get(path).status_code == 200, path
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        slow = [q["sql"] for q in queries.captured_queries if float(q["time"]) >= 0.002]
        with connection.cursor() as cursor:
            plans = []
            for sql in slow:
                cursor.execute("EXPLAIN ANALYZE " + sql)
                plans.append(sql + "\n" + "\n".join(row[0] for row in cursor.fetchall()))
        (Path(out_dir) / f"{name}.sql.txt").write_text("\n\n".join(plans))
        profiler = Profiler(interval=0.0005)
        started = time.perf_counter()
        with profiler:
            for _ in range(REQUESTS):
                client.get(path)
        per_request = (time.perf_counter() - started) * 1000 / REQUESTS
        print(f"| {name} | `{path}` | {per_request:.1f} | {len(queries.captured_queries)} | {sql_ms:.1f} |", flush=True)
        (Path(out_dir) / f"{name}.txt").write_text(profiler.output_text(unicode=False, color=False, show_all=bool(os.environ.get("PROFILE_SHOW_ALL"))))


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "/tmp/pecportal-profile"
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    with bench_database() as (_database_url, env, data):
        print("| page | path | ms/request | SQL queries | SQL ms |\n| --- | --- | ---: | ---: | ---: |", flush=True)
        subprocess.run([sys.executable, __file__, "--child", out_dir, data], cwd=ROOT, env=env, check=True)
        print(f"pyinstrument reports in {out_dir}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], json.loads(sys.argv[3]))
    else:
        main()
