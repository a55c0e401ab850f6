#!/usr/bin/env python3
"""Device ingestion benchmark: how many real-time Opus devices one server holds, and whether
1,000 churned sessions leave anything behind.

Usage (after ./build.sh):
  python3 tests/bench/ingest.py [--clients 50,100,200,300] [--duration 20] [--churn-sessions 1000]

Runs the AOT server (transcription off) and the built-in `loadgen` device simulator on this
machine, both from dist/. For each client count: real-time 20 ms Opus frames of jfk.wav (looped)
for --duration seconds; reports loadgen's send latency and late frames, the frames the server
stored (from the database: samples / 320), the server's CPU (utime+stime over the step, in cores)
and RSS (peak VmRSS sampled every 0.25 s). Then the churn step: short sessions that connect, send
and drop, until --churn-sessions have been opened; /api/debug/sessions counts (fds, threads, live
groups, sessions) before and after, once the server is idle again.
"""
import argparse, json, os, signal, sqlite3, subprocess, tempfile, threading, time, urllib.request
from benchlib import cpu_seconds, create_account, free_port, rss_kib, wait_for_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "dist", "linux-x64", "friendlite-edge")
FIXTURES = os.environ.get("FRIENDLITE_FIXTURES", os.path.join(ROOT, "..", "shared", "fixtures"))
def rss_mib(pid):
    return rss_kib(pid) / 1024

def stored_frames(db, since_ms):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        total, = con.execute("SELECT coalesce(sum(sample_count), 0) FROM conversations WHERE started_at >= ?", (since_ms,)).fetchone()
        open_count, = con.execute("SELECT count(*) FROM conversations WHERE state = 'open'").fetchone()
        return total // 320, open_count
    finally:
        con.close()

def fds_by_kind(pid):
    kinds = {"sockets": 0, "database": 0, "wav": 0, "other": 0}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:"):
            kinds["sockets"] += 1
        elif "friendlite.db" in target:
            kinds["database"] += 1
        elif target.endswith(".wav"):
            kinds["wav"] += 1
        else:
            kinds["other"] += 1
    return kinds

def debug_counts(port, token):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/debug/sessions", headers={"Authorization": f"Bearer {token}", "Connection": "close"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)["counts"]

def run_loadgen(port, token, args):
    cmd = [BIN, "loadgen", "--url", f"ws://127.0.0.1:{port}/ws_omi", "--token", token, "--audio", os.path.join(FIXTURES, "jfk.wav"),
           "--codec", "opus", "--frame-ms", "20", "--json"] + args
    before = os.times()
    # loadgen exits non-zero when a device failed; its JSON summary still says how many, so report it
    out = subprocess.run(cmd, capture_output=True, text=True)
    after = os.times()
    try:
        summary = json.loads(out.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"loadgen exited {out.returncode} without a summary: {out.stderr.strip()[-500:]}")
    summary["_cpu"] = (after.children_user + after.children_system) - (before.children_user + before.children_system)
    return summary

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", default="50,100,200,300")
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--churn-sessions", type=int, default=1000)
    ap.add_argument("--binary", default=BIN, help="the server binary (an older build, to compare)")
    ap.add_argument("--vad-model", help="serve with this Silero VAD model instead of the energy VAD (measures its cost)")
    args = ap.parse_args()
    data = tempfile.mkdtemp(prefix="friendlite-ingest-")
    server_bin = os.path.abspath(args.binary)
    token = create_account(server_bin, data)
    # Builds from before the connection gate have no per-address cap (nor its flag).
    serve_help = subprocess.run([server_bin, "serve", "--help"], capture_output=True, text=True).stdout
    per_address = ["--max-connections-per-address", "100000"] if "--max-connections-per-address" in serve_help else []
    port = free_port()
    server = subprocess.Popen([server_bin, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", data, "--log-level", "warn",
                               "--max-sessions", "5000", "--idle-timeout", "30s"]
                              + per_address + (["--vad-model", args.vad_model] if args.vad_model else []),  # per_address: every device is 127.0.0.1
                              stderr=open(os.path.join(data, "server.log"), "w"))
    try:
        wait_for_port(port)
        db = os.path.join(data, "friendlite.db")
        print(f"machine: {os.cpu_count()} cores; server and loadgen on the same machine; 20 ms Opus frames, real time, {args.duration} s per step")
        print(f"VAD: {'Silero, ' + args.vad_model if args.vad_model else 'energy'}")
        print("clients  frames_sent  stored  late  p50_ms  p99_ms  max_ms  errors  server_cpu_cores  server_rss_mib  loadgen_cpu_cores")
        for n in [int(x) for x in args.clients.split(",")]:
            peak = [0.0]
            stop = threading.Event()
            def sample():
                while not stop.is_set():
                    peak[0] = max(peak[0], rss_mib(server.pid))
                    time.sleep(0.25)
            sampler = threading.Thread(target=sample)
            since = int(time.time() * 1000)
            cpu0 = cpu_seconds(server.pid)
            sampler.start()
            t0 = time.time()
            s = run_loadgen(port, token, ["--clients", str(n), "--duration", f"{args.duration}s"])
            wall = time.time() - t0
            # let the server finish draining the sessions that just closed
            for _ in range(200):
                stored, still_open = stored_frames(db, since)
                if still_open == 0:
                    break
                time.sleep(0.05)
            cpu = (cpu_seconds(server.pid) - cpu0) / wall
            stop.set(); sampler.join()
            lat = s["send_latency_ms"]
            print(f"{n:7d}  {s['frames_sent']:11d}  {stored:6d}  {s['late_frames']:4d}  {lat['p50']:6.2f}  {lat['p99']:6.2f}  {lat['max']:6.1f}  {s['errors']:6d}  "
                  f"{cpu:16.2f}  {peak[0]:14.1f}  {s['_cpu'] / wall:17.2f}", flush=True)

        # churn: connect, send, drop; many times
        def settle():
            last = None
            for _ in range(120):
                c = debug_counts(port, token)
                if c["live_sessions"] == 0 and c == last:
                    return c
                last = c
                time.sleep(0.5)
            return last
        before = settle()
        before_fds = fds_by_kind(server.pid)
        opened = 0
        rounds = 0
        while opened < args.churn_sessions:
            s = run_loadgen(port, token, ["--clients", "50", "--duration", "10s", "--churn", "120"])
            opened += s["sessions_opened"]
            rounds += 1
        after = settle()
        after_fds = fds_by_kind(server.pid)
        # the thread pool retires idle workers after a while; give it that chance before the last look
        time.sleep(25)
        later = settle()
        later_fds = fds_by_kind(server.pid)
        print(f"churn: {opened} sessions opened in {rounds} loadgen runs")
        for key in ["open_fds", "threads", "live_groups", "live_sessions", "managed_heap_bytes"]:
            print(f"  {key:20s} before {before[key]:>10}  after {after[key]:>10}  after +25 s {later[key]:>10}")
        for key in before_fds:
            print(f"  fds: {key:15s} before {before_fds[key]:>10}  after {after_fds[key]:>10}  after +25 s {later_fds[key]:>10}")
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
        print(f"server exit code {code}")

if __name__ == "__main__":
    main()
