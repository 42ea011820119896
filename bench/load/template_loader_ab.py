"""CPU per request of the logged-in benchmark pages with Django's own cached template loader (A) and
with the portal's, which folds constant {% translate %} and {% static %} tags into text (B,
pecportal.template_loader): production settings, the benchmark's data on a private PostgreSQL, one
process for each loader, asked in turn, 12 rounds per page, so the machine's drift falls on both
alike. Prints the best round of each (drift only ever adds time). Usage: .venv/bin/python bench/load/template_loader_ab.py"""

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from bench.load.loadtest import PASSWORD, ROOT, bench_database, holder_pages  # noqa: E402

ROUNDS = 12
REQUESTS = 100
DJANGO_LOADERS = [("django.template.loaders.cached.Loader", [
    "django.template.loaders.filesystem.Loader", "django.template.loaders.app_directories.Loader"])]


def child(data, loaders):
    """Answers each path read from stdin with the CPU milliseconds per request of REQUESTS GETs."""
    import django
    from django.conf import settings

    if loaders == "django":
        settings.TEMPLATES = [{**settings.TEMPLATES[0],
                               "OPTIONS": {**settings.TEMPLATES[0]["OPTIONS"], "loaders": DJANGO_LOADERS}}]
    django.setup()
    from django.test import Client

    holder = Client(HTTP_HOST="127.0.0.1")
    assert holder.post("/login/", {"username": data["address"], "password": PASSWORD}).status_code == 302
    for line in sys.stdin:
        path = line.strip()
        for _ in range(10):
            assert holder.get(path).status_code == 200, path
        started = time.process_time()
        for _ in range(REQUESTS):
            holder.get(path)
        print((time.process_time() - started) * 1000 / REQUESTS, flush=True)


def main():
    with bench_database() as (_database_url, env, data):
        pages = holder_pages(json.loads(data)["mailbox_id"])
        children = {loaders: subprocess.Popen([sys.executable, __file__, "--child", data, loaders], cwd=ROOT, env=env,
                                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                    for loaders in ("django", "portal")}
        try:
            print("| page | Django's cached loader ms | constants folded ms | saved ms |\n| --- | ---: | ---: | ---: |")
            for name, path in pages:
                times = {loaders: [] for loaders in children}
                for _ in range(ROUNDS):
                    for loaders, process in children.items():
                        process.stdin.write(path + "\n")
                        process.stdin.flush()
                        times[loaders].append(float(process.stdout.readline()))
                a, b = min(times["django"]), min(times["portal"])
                print(f"| {name} | {a:.2f} | {b:.2f} | {a - b:.2f} |", flush=True)
        finally:
            for process in children.values():
                process.stdin.close()
                process.wait(timeout=60)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(json.loads(sys.argv[2]), sys.argv[3])
    else:
        main()
