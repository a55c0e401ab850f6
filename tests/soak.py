#!/usr/bin/env python3
"""Soak: many device sessions with random faults against the AOT server, then the invariants.

    python3 tests/soak.py [--sessions 300] [--seed 1] [--concurrency 20] [--garbage 0.1]

The server (dist/linux-x64/friendlite-edge, from ./build.sh) transcribes through a Wyoming ASR
server written here that answers garbage (or drops the connection) for a seeded share of requests.
Each session streams a random slice of conversation-3utt.wav over /ws_pcm and ends one way, chosen
by the seed: normally; dropped mid-frame (a chunk header and half its payload, then a TCP reset);
dropped right after audio-stop; half-open (it stops sending until the idle timeout ends it); or as
part of a reconnect storm of one device. Then, with the server still running:

- every PCM sample the server read (its "disconnected ... frames=" line per session) is in a
  closed conversation's WAV, and no conversation is left open;
- every speech segment of every WAV (the energy VAD, ported in benchlib) is a transcript row or a
  failed job an administrator can see; none is lost;
- open descriptors, threads, live task groups and sessions are back to the baseline, and no TCP
  connection to the server is left ESTABLISHED.

Finally it stops the server with SIGTERM while 20 devices stream, then starts it again, streams,
kills it with SIGKILL, and times the next start. Exits 1 when an invariant fails. Prints a table.
"""
import argparse, json, os, random, signal, socket, socketserver, sqlite3, struct, subprocess, sys, tempfile, threading, time, urllib.request
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench"))
import benchlib  # noqa: E402

CHUNK = 320  # samples per PCM chunk: 20 ms
KINDS = [("normal", 50), ("drop_mid_frame", 15), ("drop_after_stop", 15), ("half_open", 10), ("storm", 10)]


class FakeAsr(socketserver.ThreadingTCPServer):
    """A Wyoming ASR server that answers a seeded share of requests with garbage or a dropped connection."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, garbage, seed):
        self.rng, self.lock, self.garbage = random.Random(seed), threading.Lock(), garbage
        self.answers = {"ok": 0, "garbage": 0, "dropped": 0}
        super().__init__(("127.0.0.1", 0), AsrHandler)

    def decide(self):
        with self.lock:
            r = self.rng.random()
            kind = "garbage" if r < self.garbage / 2 else "dropped" if r < self.garbage else "ok"
            self.answers[kind] += 1
            return kind


class AsrHandler(socketserver.StreamRequestHandler):
    def handle(self):
        try:
            self.serve()
        except (OSError, ValueError):
            pass  # the server went away mid-request (the kill -9 phase), or sent what is not an event

    def serve(self):
        audio = 0
        while True:
            line = self.rfile.readline()
            if not line:
                return
            event = json.loads(line)
            if event.get("data_length"):
                self.rfile.read(event["data_length"])
            if event.get("payload_length"):
                audio += len(self.rfile.read(event["payload_length"]))
            if event["type"] == "audio-stop":
                kind = self.server.decide()
                if kind == "dropped":
                    return
                reply = b"this is not json\n" if kind == "garbage" else \
                    (json.dumps({"type": "transcript", "data": {"text": f"heard {audio} bytes"}}) + "\n").encode()
                self.wfile.write(reply)
                audio = 0


class Server:
    """`serve --asr` on a free port; stderr kept (lines) and written to <data-dir>/server.log."""

    def __init__(self, binary, data_dir, asr_port, extra=()):
        self.port, self.data_dir, self.lines = benchlib.free_port(), data_dir, []
        cmd = [binary, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", data_dir,
               "--asr", f"wyoming://127.0.0.1:{asr_port}", "--idle-timeout", "2s", "--drain-timeout", "5s",
               "--shutdown-timeout", "10s", "--log-level", "info",
               "--max-connections-per-address", "100000",  # every simulated device is 127.0.0.1
               # The reconnect storm sends one device's audio far faster than real time; what the soak
               # accounts for is every sample read being stored, so the real-time limit is off here.
               "--max-realtime-factor", "0", *extra]
        self.log = open(os.path.join(data_dir, "server.log"), "a")
        self.started = time.time()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, bufsize=1)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        deadline = time.time() + 60
        while True:
            try:
                self.get("/health")
                break
            except OSError:
                if time.time() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("the server did not start: " + "\n".join(self.lines[-5:]))
                time.sleep(0.01)
        self.ready_after = time.time() - self.started

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            self.log.write(line)
        self.log.flush()

    def get(self, path, token=None):
        headers = {"Connection": "close", **({"Authorization": f"Bearer {token}"} if token else {})}
        with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers), timeout=10) as r:
            return json.load(r)

    def finish(self, sig=signal.SIGTERM, timeout=30):
        started = time.time()
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(timeout=5)
        self.log.close()
        return self.proc.returncode, time.time() - started


def header(kind, payload_length=None, pcm=True):
    data = {"rate": 16000, "width": 2, "channels": 1} if pcm and kind != "audio-stop" else {}
    return benchlib.wyoming_event(kind, data, payload_length)


def reset(ws):
    """A TCP reset, as a device that loses power or range: no close frame, no FIN."""
    ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    ws.sock.close()


def session(port, token, samples, plan):
    """Runs one planned session; returns (kind, chunks sent whole)."""
    kind, index, chunks = plan
    name = "storm" if kind == "storm" else f"soak-{index}"
    ws = benchlib.WebSocket("127.0.0.1", port, f"/ws_pcm?token={token}&device_name={name}")
    sent = 0
    try:
        ws.send_text(header("audio-start"))
        for i in range(chunks):
            payload = samples[i * CHUNK:(i + 1) * CHUNK].tobytes()
            ws.send_text(header("audio-chunk", len(payload)))
            if kind == "drop_mid_frame" and i == chunks - 1:
                # The last chunk's binary frame announces its whole length but only half of it comes.
                frame = struct.pack("!BB", 0x82, 0x80 | 126) + struct.pack("!H", len(payload)) + os.urandom(4)
                ws.sock.sendall(frame + payload[:len(payload) // 2])
                reset(ws)
                return kind, sent
            ws.send_binary(payload)
            sent += 1
        if kind == "half_open":
            time.sleep(3)  # past the server's 2 s idle timeout: it ends the session
            ws.sock.close()
            return kind, sent
        ws.send_text(header("audio-stop"))
        if kind == "drop_after_stop":
            reset(ws)
        else:
            ws.close()
    except OSError:
        ws.sock.close()
    return kind, sent


def descriptors(pid):
    """The server's open descriptors by kind: SQLite's pooled connections (they come and go with load,
    bounded by the pool) apart from everything else, and the WAV files among those."""
    targets = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            targets.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            pass
    database = [t for t in targets if "friendlite.db" in t]
    return {"fds_besides_sqlite": len(targets) - len(database), "wav_fds": sum(t.endswith(".wav") for t in targets), "sqlite_fds": len(database)}


def settled_descriptors(pid):
    """descriptors(), once the connection that just asked for the counts has closed. Read at once,
    the relay's two sockets of that request are still open (measured: +2 in 17 reads of 20), so a
    baseline read in the rare quiet moment made every later read look like a leak of 2."""
    time.sleep(0.3)
    return descriptors(pid)


def open_targets(pid):
    """What each open descriptor of the server points at, SQLite's files left out."""
    targets = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            targets.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            pass
    return sorted(t for t in targets if "friendlite.db" not in t)


def db(path):
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)


def established(port):
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if os.path.exists(table):
            for line in open(table).read().splitlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                    count += 1
    return count


def wait(condition, timeout, what):
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            raise TimeoutError(what)
        time.sleep(0.1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--garbage", type=float, default=0.1, help="share of ASR requests answered with garbage or a dropped connection")
    parser.add_argument("--settle", type=float, default=240, help="seconds the backlog may take to drain")
    parser.add_argument("--binary", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dist", "linux-x64", "friendlite-edge"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    samples = benchlib.read_wav(os.path.join(benchlib.fixtures_dir(), "conversation-3utt.wav"))
    asr = FakeAsr(args.garbage, args.seed)
    threading.Thread(target=asr.serve_forever, daemon=True).start()
    data = tempfile.mkdtemp(prefix="friendlite-soak-")
    token = benchlib.create_account(args.binary, data, "soak@example.com")
    failures = []

    def check(ok, what):
        print(f"{'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            failures.append(what)

    server = Server(args.binary, data, asr.server_address[1])
    # Warm-up: the runtime's worker threads and SQLite's pooled connections exist before the baseline.
    with ThreadPoolExecutor(args.concurrency) as pool:
        list(pool.map(lambda i: session(server.port, token, samples, ("normal", -1 - i, len(samples) // CHUNK)), range(args.concurrency)))
    wait(lambda: server.get("/api/debug/sessions", token)["counts"]["live_sessions"] == 0, 30, "the warm-up sessions to end")
    wait(lambda: server.get("/api/debug/sessions", token)["transcription"]["jobs_pending"] == 0
         and server.get("/api/debug/sessions", token)["transcription"]["queued"] == 0, 120, "the warm-up's transcription")
    baseline = {**server.get("/api/debug/sessions", token)["counts"], **settled_descriptors(server.proc.pid)}
    baseline_targets = open_targets(server.proc.pid)
    weights = [w for _, w in KINDS]
    plans = [(rng.choices([k for k, _ in KINDS], weights)[0], i, rng.randint(50, len(samples) // CHUNK)) for i in range(args.sessions)]
    started = time.time()
    with ThreadPoolExecutor(args.concurrency) as pool:
        results = list(pool.map(lambda p: session(server.port, token, samples, p), plans))
    churn_seconds = time.time() - started
    wait(lambda: server.get("/api/debug/sessions", token)["counts"]["live_sessions"] == 0, 30, "every session to end")
    # Each session's last log line may still be in the pipe from the server's stderr: wait for all of them.
    wait(lambda: sum(l.startswith("info session: disconnected") for l in list(server.lines)) >= args.concurrency + args.sessions, 30,
         "every session's disconnected line")

    # Accepted vs stored: per device, the chunks the server read (its disconnected lines) against the WAVs.
    accepted = {}
    for line in list(server.lines):
        if line.startswith("info session: disconnected"):
            fields = dict(f.split("=", 1) for f in line.split()[3:] if "=" in f)
            accepted[fields["client"]] = accepted.get(fields["client"], 0) + (int(fields["frames"]) - 1) // 2 * CHUNK
    with db(server.data_dir + "/friendlite.db") as c:
        stored = dict(c.execute("SELECT client_id, sum(sample_count) FROM conversations GROUP BY client_id"))
        still_open = c.execute("SELECT count(*) FROM conversations WHERE state = 'open'").fetchone()[0]
        paths = c.execute("SELECT id, audio_path FROM conversations").fetchall()
    check(still_open == 0, f"no conversation left open ({still_open})")
    check(sum(accepted.values()) == sum(stored.values()) and all(accepted.get(k, 0) == v for k, v in stored.items()),
          f"samples read {sum(accepted.values())} = samples stored {sum(stored.values())} ({len(stored)} devices)")

    # Segments: every one is a transcript row or a failed job, once the backlog has drained.
    def segments(path):
        wav = benchlib.read_wav(path)
        return len(benchlib.vad_segments(benchlib.frame_dbs(wav), total_samples=len(wav)))  # flushed at the close, as the server does
    expected = {cid: segments(p) for cid, p in paths if p and os.path.exists(p)}

    def backlog():
        with db(server.data_dir + "/friendlite.db") as c:
            return c.execute("SELECT count(*) FROM jobs WHERE state IN ('pending', 'running')").fetchone()[0]
    settle_started = time.time()
    try:
        wait(lambda: backlog() == 0, args.settle, "the transcription backlog to drain")
    except TimeoutError:
        pass
    settle_seconds = time.time() - settle_started
    with db(server.data_dir + "/friendlite.db") as c:
        rows = dict(c.execute("SELECT conversation_id, count(*) FROM transcript_segments GROUP BY conversation_id"))
        failed = dict(c.execute("SELECT json_extract(payload, '$.conversation_id'), count(*) FROM jobs WHERE state = 'failed' GROUP BY 1"))
        waiting = backlog()
    accounted = {cid: rows.get(cid, 0) + failed.get(cid, 0) for cid in expected}
    check(waiting == 0 and accounted == expected,
          f"segments expected {sum(expected.values())} = transcribed {sum(rows.values())} + failed jobs {sum(failed.values())} (waiting {waiting})")

    def leaked():
        after = {**server.get("/api/debug/sessions", token)["counts"], **settled_descriptors(server.proc.pid)}
        found = {k: after[k] - baseline[k] for k in ("fds_besides_sqlite", "wav_fds", "threads", "live_groups", "live_sessions")}
        found["tcp_established"] = established(server.port)
        found["sqlite_pool_fds"] = f"{baseline['sqlite_fds']} -> {after['sqlite_fds']}"  # reported, not a leak: the pool is bounded
        return found
    try:  # idle worker threads retire and pooled connections close on their own schedule
        wait(lambda: all(v <= 0 for k, v in leaked().items() if k != "sqlite_pool_fds"), 60, "the counts to return to the baseline")
    except TimeoutError:
        pass
    leaks = leaked()
    if not all(v <= 0 for k, v in leaks.items() if k != "sqlite_pool_fds"):
        # What is open beyond the baseline, to tell a leak from something the runtime opened late.
        now = open_targets(server.proc.pid)
        extra = list(now)
        for target in baseline_targets:
            if target in extra:
                extra.remove(target)
        print("descriptors opened since the baseline:", extra, flush=True)
        states = {}
        for line in open(f"/proc/{server.proc.pid}/net/tcp").read().splitlines()[1:]:
            fields = line.split()
            states[fields[3]] = states.get(fields[3], 0) + 1
        print("tcp states (hex, count):", states, flush=True)
    check(all(v <= 0 for k, v in leaks.items() if k != "sqlite_pool_fds"), f"nothing leaked: {leaks}")
    code, stop_churned = server.finish()
    check(code == 0, f"stop after the churn: exit {code} in {stop_churned:.2f} s")

    # SIGTERM while 20 devices stream, then SIGKILL mid-stream and the next start.
    server = Server(args.binary, data, asr.server_address[1])
    streaming = ThreadPoolExecutor(20)
    for i in range(20):
        streaming.submit(session, server.port, token, samples, ("normal", 10_000 + i, len(samples) // CHUNK))
    time.sleep(0.5)
    code, stop_loaded = server.finish()
    streaming.shutdown(wait=True)
    check(code == 0 and stop_loaded < 10, f"SIGTERM while 20 devices stream: exit {code} in {stop_loaded:.2f} s")
    server = Server(args.binary, data, asr.server_address[1])
    streaming = ThreadPoolExecutor(20)
    for i in range(20):
        streaming.submit(session, server.port, token, samples, ("normal", 20_000 + i, len(samples) // CHUNK))
    time.sleep(0.5)
    server.finish(signal.SIGKILL)
    streaming.shutdown(wait=True)
    server = Server(args.binary, data, asr.server_address[1])
    recovered = sum(1 for l in server.lines if "closed a conversation cut off by a crash" in l)
    resumed = next((int(f.split("=")[1]) for l in server.lines if "pending again" in l for f in l.split() if f.startswith("jobs=")), 0)
    check(server.ready_after < 10, f"start after kill -9: /health in {server.ready_after:.2f} s, {recovered} conversations repaired, {resumed} jobs resumed")
    server.finish()
    asr.shutdown()

    faults = {k: sum(1 for kind, _ in results if kind == k) for k, _ in KINDS}
    print(json.dumps({"sessions": args.sessions, "seed": args.seed, "concurrency": args.concurrency, "churn_seconds": round(churn_seconds, 1),
                      "faults": faults, "asr_answers": asr.answers, "samples_read": sum(accepted.values()), "samples_stored": sum(stored.values()),
                      "segments_expected": sum(expected.values()), "transcribed": sum(rows.values()), "failed_jobs": sum(failed.values()),
                      "backlog_drained_seconds": round(settle_seconds, 1), "leaks": leaks, "stop_after_churn_seconds": round(stop_churned, 2),
                      "stop_streaming_seconds": round(stop_loaded, 2), "start_after_kill_seconds": round(server.ready_after, 2),
                      "conversations_repaired": recovered, "jobs_resumed": resumed}))
    print(f"{len(failures)} invariant(s) failed" if failures else "every invariant held")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
