#!/usr/bin/env python3
"""Other users' latency while 50 parallel bad logins hammer the server (production PBKDF2 cost).

Usage: python3 tests/bench/login_flood.py [--seconds 20] [--flood 50] [--from many|one] [--flood-nice 19]
                                          [--binary dist/linux-x64/friendlite-edge]

Creates a user with the CLI, starts the real binary on a free loopback port (600,000 iterations,
default limits), logs in once (so 127.0.0.1 is a known address), then measures an authenticated
GET /api/me and GET /health, one every 20 ms over one keep-alive connection, first for --seconds
without load, then for --seconds while a separate process keeps --flood connections busy with
wrong logins. --from many gives each flood connection its own source address (127.0.1.x) and each
attempt a new email, so neither the per-address nor the per-account limit stops it and only the
hashing gate bounds its cost: the worst case. --from one sends them all from 127.0.0.2 at one
account. The flood process runs at nice 19 by default: it shares the server's cores (a real
attacker's client would not), and --flood-nice 0 shows the cost when it competes fully. Prints median and p99 of each request without and with the flood, what the flood got
(status counts), and a few logins of the real user during the flood.
"""
import argparse, asyncio, http.client, json, multiprocessing, os, signal, statistics, subprocess, tempfile, time, urllib.parse
from benchlib import cpu_model, free_port, wait_for_port

PASSWORD = "correct horse battery"


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def flood_connection(port, source, index, mode, stop_at, counts):
    reader = writer = None
    attempt = 0
    while time.monotonic() < stop_at:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
            attempt += 1
            email = f"guess{index}-{attempt}@example.com" if mode == "many" else "bench@example.com"
            body = urllib.parse.urlencode({"username": email, "password": f"wrong {attempt}"}).encode()
            writer.write(b"POST /auth/jwt/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\n"
                         + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            await writer.drain()
            status_line = await reader.readline()
            if not status_line:
                raise ConnectionError("closed")
            status = int(status_line.split()[1])
            length, close = 0, False
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "connection" and "close" in value.lower():
                    close = True
            await reader.readexactly(length)
            counts[status] = counts.get(status, 0) + 1
            if close:
                writer.close()
                writer = None
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            counts["error"] = counts.get("error", 0) + 1
            if writer is not None:
                writer.close()
            writer = None
            await asyncio.sleep(0.01)
    if writer is not None:
        writer.close()


async def flood_all(port, connections, mode, seconds):
    counts = {}
    stop_at = time.monotonic() + seconds
    sources = [f"127.0.1.{i + 1}" if mode == "many" else "127.0.0.2" for i in range(connections)]
    await asyncio.gather(*(flood_connection(port, sources[i], i, mode, stop_at, counts) for i in range(connections)))
    return counts


def flood_process(port, connections, mode, seconds, nice, results):
    os.nice(nice)
    results.put(asyncio.run(flood_all(port, connections, mode, seconds)))


def probe(port, token, seconds, interval=0.02):
    """Alternates GET /api/me and GET /health on one keep-alive connection; latencies in ms."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    samples = {"/api/me": [], "/health": []}
    auth = {"Authorization": f"Bearer {token}"}
    end = time.monotonic() + seconds
    turn = 0
    while time.monotonic() < end:
        path = "/api/me" if turn % 2 == 0 else "/health"
        turn += 1
        start = time.perf_counter()
        conn.request("GET", path, headers=auth if path == "/api/me" else {})
        resp = conn.getresponse()
        resp.read()
        samples[path].append((time.perf_counter() - start) * 1000)
        assert resp.status == 200, (path, resp.status)
        time.sleep(interval)
    conn.close()
    return samples


def login(port):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    body = urllib.parse.urlencode({"username": "bench@example.com", "password": PASSWORD})
    start = time.perf_counter()
    conn.request("POST", "/auth/jwt/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    payload = resp.read()
    conn.close()
    return resp.status, (time.perf_counter() - start) * 1000, payload


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--flood", type=int, default=50)
    ap.add_argument("--from", dest="mode", choices=["many", "one"], default="many")
    ap.add_argument("--flood-nice", type=int, default=19,
                    help="niceness of the flood process: it shares the server's cores, which a real attacker's client does not")
    ap.add_argument("--binary", default="dist/linux-x64/friendlite-edge")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    data = tempfile.mkdtemp(prefix="friendlite-bench-")
    subprocess.run([binary, "user", "add", "--email", "bench@example.com", "--data-dir", data],
                   input=(PASSWORD + "\n").encode(), check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    proc = subprocess.Popen([binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", data],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        status, _, payload = login(port)
        assert status == 200, (status, payload)
        token = json.loads(payload)["access_token"]
        quiet = probe(port, token, args.seconds)

        results = multiprocessing.Queue()
        flood = multiprocessing.Process(target=flood_process, args=(port, args.flood, args.mode, args.seconds + 10, args.flood_nice, results))
        flood.start()
        time.sleep(1)  # let the flood fill the hashing queue
        loaded = probe(port, token, args.seconds - 2)
        household = [login(port)[:2] for _ in range(3)]
        counts = results.get()
        flood.join()

        print(f"{os.cpu_count()} cores ({cpu_model()}), load average before: {os.getloadavg()[0]:.2f}; "
              f"PBKDF2 600,000 iterations; flood: {args.flood} connections from {args.mode} address(es), nice {args.flood_nice}")
        for path in ("/api/me", "/health"):
            q, l = quiet[path], loaded[path]
            print(f"GET {path:8} without flood: median {statistics.median(q):.2f} ms, p99 {percentile(q, 99):.2f} ms ({len(q)} requests); "
                  f"with flood: median {statistics.median(l):.2f} ms, p99 {percentile(l, 99):.2f} ms ({len(l)} requests)")
        print("flood answers: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=lambda kv: str(kv[0]))))
        print("the real user's logins from 127.0.0.1 during the flood: "
              + ", ".join(f"{status} in {ms:.0f} ms" for status, ms in household))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
