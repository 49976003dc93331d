#!/usr/bin/env python3
"""Loads a running Safeguard server the way docs/performance.md measures its
memory ("Memory and start at a million people"): CLIENTS signed-in
practitioners, each on its own cookie session, search for common names
(some misspelt) and open up to three of the people found, for SECONDS; then
prints how many searches and pages were served and, given the server's PID,
its peak resident memory (VmHWM).

    safeguard demo --people 1000000 --years 2 --data-dir /tmp/m
    safeguard serve --data-dir /tmp/m --bind 127.0.0.1:8091 &
    scripts/memory-under-load.py http://127.0.0.1:8091 45 16 $!

Standard library only; the demo's practitioner account and password.
"""
import http.cookiejar
import random
import re
import sys
import threading
import time
import urllib.parse
import urllib.request

NAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
         "Patel", "Wright", "Evans", "Thomas", "Roberts", "Jon Smyth", "Kathryn Tomson",
         "Jhon Smtih"]


def signed_in(base):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": csrf, "next": "/", "username": "practitioner",
            "password": "safeguard-demo"}
    opener.open(base + "/login", urllib.parse.urlencode(form).encode()).read()
    return opener


def main():
    base, seconds, clients = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    pid = sys.argv[4] if len(sys.argv) > 4 else None
    counts = {"searches": 0, "pages": 0, "errors": 0}
    lock = threading.Lock()

    def client(opener, stop):
        while time.time() < stop:
            try:
                q = urllib.parse.urlencode({"q": random.choice(NAMES)})
                body = opener.open(base + "/people?" + q).read().decode()
                with lock:
                    counts["searches"] += 1
                for pid_ in re.findall(r'href="/people/([0-9a-f-]{36})"', body)[:3]:
                    opener.open(base + "/people/" + pid_).read()
                    with lock:
                        counts["pages"] += 1
            except Exception:  # counted, and the run goes on
                with lock:
                    counts["errors"] += 1

    openers = [signed_in(base) for _ in range(clients)]
    stop = time.time() + seconds
    threads = [threading.Thread(target=client, args=(o, stop)) for o in openers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(counts)
    if pid:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(("VmHWM", "VmRSS")):
                    print(line.strip())


if __name__ == "__main__":
    main()
