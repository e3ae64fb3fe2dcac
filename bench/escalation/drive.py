"""Drives the escalation bench: an SMTP sink, a server, 1,000 SEV1s, then
lateness of every escalation step from the timeline against the plan."""

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

BIN, INCIDENTS, LEVEL_SECONDS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
LEVELS = 3
received = []  # monotonic arrival times of page emails


async def smtp_session(reader, writer):
    writer.write(b"220 sink ESMTP\r\n")
    in_data = False
    while line := await reader.readline():
        if in_data:
            if line == b".\r\n":
                in_data = False
                received.append(time.monotonic())
                writer.write(b"250 queued\r\n")
            continue
        verb = line[:4].upper()
        if verb == b"DATA":
            in_data = True
            writer.write(b"354 go on\r\n")
        elif verb == b"QUIT":
            writer.write(b"221 bye\r\n")
            break
        elif verb == b"EHLO":
            writer.write(b"250-sink\r\n250 8BITMIME\r\n")
        else:
            writer.write(b"250 ok\r\n")
        await writer.drain()
    writer.close()


def start_sink():
    ready = threading.Event()
    port = []

    def serve():
        async def main():
            server = await asyncio.start_server(smtp_session, "127.0.0.1", 0)
            port.append(server.sockets[0].getsockname()[1])
            ready.set()
            await server.serve_forever()

        asyncio.run(main())

    threading.Thread(target=serve, daemon=True).start()
    ready.wait()
    return port[0]


def call(url, token, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method=method)
    request.add_header("authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read()
        return json.loads(text) if text else None


def instant(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def main():
    port = start_sink()
    work = tempfile.mkdtemp()
    out = open(os.path.join(work, "out"), "w")
    server = subprocess.Popen(
        [BIN, "serve", "--listen", "127.0.0.1:0", "--data-dir", os.path.join(work, "data"),
         "--smtp-url", f"smtp://127.0.0.1:{port}", "--public-url", "http://firebreak.bench"],
        stdout=out, stderr=subprocess.DEVNULL)
    try:
        url = None
        for _ in range(200):
            with open(os.path.join(work, "out")) as f:
                for line in f:
                    if line.startswith("Firebreak listening on "):
                        url = line.split()[-1]
            if url:
                break
            time.sleep(0.1)
        token = open(os.path.join(work, "data", "admin-token")).read().strip()
        configure(url, token)
        declare_all(url, token)
        wait_until_paged(url, token)
        report(url, token, server.pid)
    finally:
        server.kill()


def configure(url, token):
    call(url, token, "POST", "/api/v1/systems", {"slug": "scoring", "name": "Credit scoring"})
    users = ["alice", "bob", "carol"]
    for user in users:
        call(url, token, "POST", "/api/v1/users", {"name": user, "role": "responder"})
        call(url, token, "PUT", f"/api/v1/users/{user}/contact",
             {"email": f"{user}@example.org", "rules": [{"contact": "email"}]})
    call(url, token, "PUT", "/api/v1/oncall/schedules/primary", {
        "slug": "primary", "name": "Primary", "time_zone": "UTC",
        "layers": [{"rotation": {"kind": "weekly"}, "handoff": "09:00",
                    "start": "2026-01-05T09:00", "participants": ["alice"]}]})
    levels = [{"targets": [{"kind": "schedule", "schedule": "primary"}], "timeout_seconds": LEVEL_SECONDS},
              {"targets": [{"kind": "user", "user": "bob"}], "timeout_seconds": LEVEL_SECONDS},
              {"targets": [{"kind": "user", "user": "carol"}], "timeout_seconds": LEVEL_SECONDS}]
    call(url, token, "PUT", "/api/v1/oncall/policies/scoring",
         {"slug": "scoring", "name": "Scoring", "levels": levels, "repeat": 1})
    call(url, token, "PUT", "/api/v1/systems/scoring/escalation-policy", {"policy": "scoring"})


def declare_all(url, token):
    started = time.monotonic()

    def declare(n):
        call(url, token, "POST", "/api/v1/incidents", {
            "title": f"Bench incident {n}", "severity": "sev1",
            "severity_rationale": "bench", "systems": ["scoring"]})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(declare, range(INCIDENTS)))
    print(f"declared {INCIDENTS} SEV1 incidents in {time.monotonic() - started:.1f} s", flush=True)


def wait_until_paged(url, token):
    expected = INCIDENTS * LEVELS
    deadline = time.monotonic() + LEVELS * LEVEL_SECONDS + 300
    while time.monotonic() < deadline:
        if len(received) >= expected:
            return
        time.sleep(1)
    print(f"warning: {len(received)} of {expected} page emails arrived", flush=True)


def report(url, token, pid):
    lateness = []

    def steps(n):
        plan = call(url, token, "GET", f"/api/v1/incidents/INC-{n}/escalation")["plan"]
        due = {(s["key"]["round"], s["key"]["level"]): instant(s["due"]) for s in plan["steps"]}
        timeline = call(url, token, "GET", f"/api/v1/incidents/INC-{n}/timeline?limit=200")
        items = timeline["items"] if isinstance(timeline, dict) else timeline
        found = []
        for event in items:
            if event["kind"] == "page_sent":
                key = (event["body"]["step"]["round"], event["body"]["step"]["level"])
                found.append(instant(event["recorded_at"]) - due[key])
        return found

    with ThreadPoolExecutor(8) as pool:
        for found in pool.map(steps, range(1, INCIDENTS + 1)):
            lateness.extend(found)
    lateness.sort()
    peak = 0
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM"):
                peak = int(line.split()[1]) // 1024
    span = received[-1] - received[0] if len(received) > 1 else 0
    result = {
        "incidents": INCIDENTS, "levels": LEVELS, "level_seconds": LEVEL_SECONDS,
        "steps_paged": len(lateness), "emails": len(received),
        "lateness_p50_s": round(statistics.median(lateness), 3),
        "lateness_p99_s": round(lateness[int(len(lateness) * 0.99) - 1], 3),
        "lateness_max_s": round(lateness[-1], 3),
        "emails_per_s": round(len(received) / span, 1) if span else None,
        "server_peak_rss_mb": peak,
    }
    print("RESULT " + json.dumps(result), flush=True)
    print(f"lateness p50 {result['lateness_p50_s']} s, p99 {result['lateness_p99_s']} s "
          f"(target under 1 s), max {result['lateness_max_s']} s; "
          f"{result['emails_per_s']} page emails/s; server peak {peak} MiB")


main()
