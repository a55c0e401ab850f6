#!/usr/bin/env python3
"""Login latency: median time of POST /auth/jwt/login with the production PBKDF2 iteration count.

Usage: python3 tests/bench/login.py [--runs 20] [--binary dist/linux-x64/friendlite-edge]

Creates a user with the CLI (password on stdin), starts the server on a free loopback port and
times sequential logins over one keep-alive connection (so connection setup is not counted), and
a protected request with the token for comparison.
"""
import argparse, http.client, os, signal, statistics, subprocess, tempfile, time, json, urllib.parse
from benchlib import free_port, wait_for_port

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--binary", default="dist/linux-x64/friendlite-edge")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    data = tempfile.mkdtemp(prefix="friendlite-bench-")
    subprocess.run([binary, "user", "add", "--email", "bench@example.com", "--data-dir", data],
                   input=b"correct horse battery\n", check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    proc = subprocess.Popen([binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", data],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        conn = http.client.HTTPConnection("127.0.0.1", port)
        body = urllib.parse.urlencode({"username": "bench@example.com", "password": "correct horse battery"})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        logins, token = [], None
        for _ in range(args.runs + 1):
            start = time.perf_counter()
            conn.request("POST", "/auth/jwt/login", body, headers)
            resp = conn.getresponse()
            payload = resp.read()
            logins.append((time.perf_counter() - start) * 1000)
            assert resp.status == 200, (resp.status, payload)
            token = json.loads(payload)["access_token"]
        logins = logins[1:]  # the first pays for warm-up
        me = []
        for _ in range(args.runs):
            start = time.perf_counter()
            conn.request("GET", "/api/me", headers={"Authorization": f"Bearer {token}"})
            resp = conn.getresponse(); resp.read()
            me.append((time.perf_counter() - start) * 1000)
            assert resp.status == 200
        print(f"PBKDF2-HMAC-SHA256, 600,000 iterations; {args.runs} sequential requests; {os.cpu_count()} cores")
        print(f"POST /auth/jwt/login: median {statistics.median(logins):.1f} ms (min {min(logins):.1f}, max {max(logins):.1f})")
        print(f"GET /api/me with the token: median {statistics.median(me):.2f} ms (min {min(me):.2f}, max {max(me):.2f})")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)

if __name__ == "__main__":
    main()
