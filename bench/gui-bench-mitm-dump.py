#!/usr/bin/python3
"""Writes a mitmproxy dump of N flows shaped like tests/src/testing/bulk-flows.ts (the same hosts,
paths, methods, statuses and types, 1 ms apart), for gui-bench.mjs to load into mitmweb.
Usage: /usr/bin/python3 bench/gui-bench-mitm-dump.py N OUT.mitm"""
import sys
import time

from mitmproxy import connection, http, io

HOSTS = ["cdn.example", "evil.example", "update.vendor.test", "c2.bad.test", "ads.track.test"]
PATHS = ["/index.html", "/app.js", "/style.css", "/logo.png", "/api/v1/items", "/setup.exe", "/font.woff2"]
TYPES = ["text/html", "application/javascript", "text/css", "image/png", "application/json",
         "application/octet-stream", "font/woff2"]
STATUS = [200, 200, 200, 304, 404, 302, 500, 200]
METHODS = ["GET", "GET", "GET", "POST", "HEAD"]


def flow(i: int, start: float) -> http.HTTPFlow:
    host = HOSTS[i % len(HOSTS)]
    p = i % len(PATHS)
    t = start + i / 1000
    client = connection.Client(peername=(f"198.18.0.{i % 200 + 2}", 40000 + i % 20000),
                               sockname=("198.18.0.1", 8080), timestamp_start=t)
    server = connection.Server(address=(host, 443 if i % 2 else 80))
    f = http.HTTPFlow(client, server)
    scheme = "https" if i % 2 else "http"
    f.request = http.Request.make(METHODS[i % len(METHODS)], f"{scheme}://{host}{PATHS[p]}?n={i}",
                                  b"", {"Host": host})
    f.request.timestamp_start = t
    f.request.timestamp_end = t
    f.response = http.Response.make(STATUS[i % len(STATUS)], b"", {"Content-Type": TYPES[p]})
    f.response.timestamp_start = t + (i % 97) * 0.003
    f.response.timestamp_end = t + (i % 97) * 0.003
    return f


def main() -> None:
    n = int(sys.argv[1])
    start = time.time() - n / 1000 - 60
    with open(sys.argv[2], "wb") as out:
        writer = io.FlowWriter(out)
        for i in range(n):
            writer.add(flow(i, start))


main()
