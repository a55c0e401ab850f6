#!/usr/bin/env python3
"""Foundation benchmark: exec -> first 200 on /health, idle RSS, binary size.

Usage: python3 tests/bench/startup.py [--runs 20] [--binary dist/linux-x64/friendlite-edge]

Each run starts the binary on a free loopback port and polls /health over a raw socket every
0.5 ms until it answers 200; the clock starts just before exec. Runs alternate between a fresh
data directory (database created and migrated) and an existing one. RSS is VmRSS read from
/proc after the server has answered once and then idled for one second. Medians are reported.
"""
import argparse, os, shutil, signal, socket, statistics, subprocess, tempfile, time
from benchlib import free_port, rss_kib

def health_ok(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False

def one_run(binary, data_dir):
    port = free_port()
    start = time.perf_counter()
    proc = subprocess.Popen([binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", data_dir],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = start + 10
        while not health_ok(port):
            if time.perf_counter() > deadline or proc.poll() is not None:
                raise RuntimeError("server did not answer /health")
            time.sleep(0.0005)
        ready_ms = (time.perf_counter() - start) * 1000
        time.sleep(1.0)
        rss = rss_kib(proc.pid)
        stop = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=10)
        stop_ms = (time.perf_counter() - stop) * 1000
        return ready_ms, rss, stop_ms, code
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--binary", default="dist/linux-x64/friendlite-edge")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    existing = tempfile.mkdtemp(prefix="friendlite-bench-")
    one_run(binary, existing)  # create the database once; not counted
    fresh_ready, existing_ready, rss, stops, codes = [], [], [], [], set()
    for i in range(args.runs):
        for kind in ("fresh", "existing"):
            d = tempfile.mkdtemp(prefix="friendlite-bench-") if kind == "fresh" else existing
            ready, r, stop, code = one_run(binary, d)
            (fresh_ready if kind == "fresh" else existing_ready).append(ready)
            rss.append(r); stops.append(stop); codes.add(code)
            if kind == "fresh":
                shutil.rmtree(d, ignore_errors=True)
    shutil.rmtree(existing, ignore_errors=True)
    size = os.path.getsize(binary)
    print(f"binary: {binary}  size {size / 1e6:.2f} MB ({size} bytes)")
    print(f"runs: {args.runs} per kind, machine: {os.cpu_count()} cores")
    print(f"exec -> first 200 /health, existing database: median {statistics.median(existing_ready):.1f} ms "
          f"(min {min(existing_ready):.1f}, max {max(existing_ready):.1f})")
    print(f"exec -> first 200 /health, new database:      median {statistics.median(fresh_ready):.1f} ms "
          f"(min {min(fresh_ready):.1f}, max {max(fresh_ready):.1f})")
    print(f"idle RSS 1 s after first answer: median {statistics.median(rss) / 1024:.1f} MiB (max {max(rss) / 1024:.1f})")
    print(f"SIGTERM -> exit: median {statistics.median(stops):.1f} ms, exit codes {sorted(codes)}")

if __name__ == "__main__":
    main()
