#!/usr/bin/env python3
"""Home Assistant's voice command latency: from audio-stop to the transcript, idle and busy.

Usage (after ./build.sh):
  python3 tests/bench/wyoming_latency.py [--runs 20] [--warmup 2] [--seconds 3] [--devices 8] [--threads 2]
                                         [--binary dist/linux-x64/friendlite-edge]

Runs the AOT server with a synthesized tiny model (`model synth`: random weights shaped like a real
tiny model, so its cost is real and its text is noise) and `--no-fallback` (greedy decoding once:
random-weight output never passes whisper's confidence checks), `--threads 2`, and
`--wyoming-listen`. The command is the first --seconds of jfk.wav, sent by this script's own
Wyoming client as Home Assistant sends it (transcribe, audio-start, 1024-sample chunks, audio-stop)
on a fresh connection per run. Latency = the `transcript` event read - audio-stop sent; the first
`transcript-chunk` is timed too. The server's "voice command transcribed" debug lines give the
split: waiting for the worker (the one item it was running) and transcribing.

Phases, in one run of the server:
  idle   nothing else going on
  busy   --devices simulated devices (the binary's loadgen, /ws_pcm, real time, conversation-3utt.wav
         looped) keep the one transcription worker busy: their speech is more than it transcribes,
         so live segments queue up and spill into the durable backlog while the commands are sent.
The queue depth and backlog at each command are read from /metrics.
"""
import argparse, json, os, re, socket, statistics, subprocess, tempfile, time
import benchlib
from benchlib import Server, create_account, synth_model

def event(kind, data=None, payload=b""):
    header = {"type": kind}
    if data is not None:
        header["data"] = data
    if payload:
        header["payload_length"] = len(payload)
    return json.dumps(header, separators=(",", ":")).encode() + b"\n" + payload

class Reader:
    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buf += chunk

    def read(self):
        while b"\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\n", 1)
        header = json.loads(line)
        data = dict(header.get("data") or {})
        for key in ("data_length", "payload_length"):
            n = header.get(key) or 0
            while len(self.buf) < n:
                self._fill()
            block, self.buf = self.buf[:n], self.buf[n:]
            if key == "data_length" and n:
                data.update(json.loads(block))
        return header["type"], data

def command(port, pcm):
    """One command on a fresh connection: (seconds to the transcript, seconds to the first chunk or None, text)."""
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        fmt = {"rate": 16000, "width": 2, "channels": 1}
        sock.sendall(event("transcribe", {"language": "en"}) + event("audio-start", fmt))
        for i in range(0, len(pcm), 2048):
            sock.sendall(event("audio-chunk", fmt, pcm[i:i + 2048]))
        sent = time.monotonic()
        sock.sendall(event("audio-stop"))
        reader, first = Reader(sock), None
        while True:
            kind, data = reader.read()
            if kind == "transcript-chunk" and first is None:
                first = time.monotonic() - sent
            elif kind == "transcript":
                return time.monotonic() - sent, first, data.get("text", "")
            elif kind == "error":
                raise RuntimeError(f"the server refused the command: {data}")

def metrics(server, token):
    req = __import__("urllib.request").request.Request(f"http://127.0.0.1:{server.port}/metrics", headers={"Authorization": f"Bearer {token}"})
    with __import__("urllib.request").request.urlopen(req, timeout=10) as r:
        text = r.read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values

def split_lines(server, since):
    """wait_ms and transcribe_ms of the "voice command transcribed" lines logged after `since`."""
    found = []
    for at, line in server.lines:
        if at >= since and "voice command transcribed" in line and "wait_ms=" in line:
            fields = dict(re.findall(r"(\w+)=(\S+)", line))
            found.append((int(fields["wait_ms"]), int(fields["transcribe_ms"])))
    return found

def phase(name, args, server, token, pcm, results):
    waits, queued, backlog = [], [], []
    latencies, firsts = [], []
    for run in range(args.warmup + args.runs):
        before = metrics(server, token)
        since = time.time()
        total, first, _ = command(server.wyoming_port, pcm)
        time.sleep(0.3)  # the debug line is read from the server's stderr
        if run < args.warmup:
            continue
        latencies.append(total)
        if first is not None:
            firsts.append(first)
        queued.append(before.get("friendlite_transcription_queued", 0) + before.get("friendlite_transcription_running", 0))
        backlog.append(before.get('friendlite_jobs{kind="transcribe",state="pending"}', 0))
        waits.extend(split_lines(server, since))
        time.sleep(args.gap)
    results[name] = {
        "latency": latencies, "first_chunk": firsts, "segments_in_memory": queued, "backlog_jobs": backlog,
        "wait_ms": [w for w, _ in waits], "transcribe_ms": [t for _, t in waits],
    }
    p = lambda xs, q: sorted(xs)[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else float("nan")
    print(f"  {name:5} audio-stop -> transcript: median {statistics.median(latencies):.3f} s, p95 {p(latencies, 0.95):.3f} s, "
          f"max {max(latencies):.3f} s ({len(latencies)} commands); first chunk median {statistics.median(firsts) if firsts else float('nan'):.3f} s")
    if waits:
        print(f"        waited for the worker: median {statistics.median([w for w, _ in waits])} ms, p95 {p([w for w, _ in waits], 0.95)} ms; "
              f"transcribing: median {statistics.median([t for _, t in waits])} ms")
    print(f"        at each command: segments in memory (queued+running) median {statistics.median(queued):.0f}, max {max(queued):.0f}; "
          f"backlog jobs pending median {statistics.median(backlog):.0f}, max {max(backlog):.0f}")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="dist/linux-x64/friendlite-edge")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--devices", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--gap", type=float, default=0.5, help="seconds between commands")
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    work = tempfile.mkdtemp(prefix="wyoming-bench-")
    model = synth_model(binary, os.path.join(work, "synth-tiny.bin"))
    data = os.path.join(work, "data")
    os.makedirs(data)
    token = create_account(binary, data)
    wyoming_port = benchlib.free_port()
    server = Server(binary, data, model, threads=args.threads, log_level="debug", extra=("--wyoming-listen", f"127.0.0.1:{wyoming_port}"))
    server.wyoming_port = wyoming_port
    benchlib.wait_for_port(wyoming_port)
    samples = benchlib.read_wav(os.path.join(benchlib.fixtures_dir(), "jfk.wav"))
    pcm = samples[:int(args.seconds * 16000)].tobytes()
    print(f"{benchlib.machine()}; synthesized tiny model, --threads {args.threads}, --no-fallback; a {args.seconds:g} s command")
    results = {}
    loadgen = None
    try:
        phase("idle", args, server, token, pcm, results)
        env = dict(os.environ, FRIENDLITE_TOKEN=token)
        loadgen = subprocess.Popen([binary, "loadgen", "--url", f"ws://127.0.0.1:{server.port}/ws_pcm", "--audio",
                                    os.path.join(benchlib.fixtures_dir(), "conversation-3utt.wav"), "--clients", str(args.devices),
                                    "--duration", "30m", "--json"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while metrics(server, token).get("friendlite_transcription_queued", 0) < 2:
            if time.time() > deadline:
                raise SystemExit("the devices never queued speech for the worker")
            time.sleep(1)
        phase("busy", args, server, token, pcm, results)
    finally:
        if loadgen is not None:
            loadgen.terminate()
            loadgen.wait(timeout=30)
        server.stop()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)

if __name__ == "__main__":
    main()
