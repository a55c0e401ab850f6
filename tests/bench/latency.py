#!/usr/bin/env python3
"""Transcription latency: from the end of an utterance to its transcript row.

Usage (after ./build.sh):
  python3 tests/bench/latency.py [--runs 10] [--utterance 2] [--threads 2] [--binary dist/linux-x64/friendlite-edge]

Runs the AOT server with a synthesized tiny model (`model synth`: random weights shaped to decode
like a real model; its text is noise, its cost is real) and `--no-fallback` (greedy decoding once:
random-weight output always fails whisper's confidence checks, which would re-decode it at five
more temperatures). The test utterance is one utterance of conversation-3utt.wav (default the
second, ~4.7 s of continuous espeak speech), after 1 s of digital silence. For each run a new
WebSocket connection to /ws_pcm (this script's own client, so the wall time at which the last
speech sample left is known) streams it in real time as 20 ms PCM frames, then keeps streaming
silence, while the transcript is polled every --poll-ms (SQLite read-only, or the REST API with
--poll api) until the utterance's row is there. Latency = row visible - last speech sample sent.

Breakdown per run:
  hangover    last speech sample sent -> the 20 ms frame that completes the VAD's 500 ms of
              silence sent (computed by a port of Audio/EnergyVad.cs on the stream: its 30 ms
              frames make it ~510-540 ms; the 200 ms padding lies inside it and costs no wait,
              only 0.4 s more audio to transcribe)
  transcribe  that frame sent -> the row's created_at (the server's clock, same machine): WAV read,
              queue, Whisper, the INSERT. "segment transcribed" log lines (--log-level debug) are
              timed too, as a check.
  visible     created_at -> the poll that saw the row (commit + poll interval)
The first --warmup runs are not counted (the first Whisper call allocates its buffers).
"""
import argparse, array, http.client, json, os, shutil, sqlite3, statistics, tempfile, time
import benchlib
from benchlib import RATE, Server, WebSocket, create_account, synth_model, wyoming_event

CHUNK = 320  # 20 ms at 16 kHz

def build_stream(args):
    """Lead silence + the utterance (from its first to its last sample above the dither), as samples."""
    source = benchlib.read_wav(os.path.join(benchlib.fixtures_dir(), "conversation-3utt.wav"))
    runs = benchlib.utterances(source)
    if not 1 <= args.utterance <= len(runs):
        raise SystemExit(f"--utterance must be 1 to {len(runs)}")
    start, end = runs[args.utterance - 1]
    lead = int(args.lead_silence * RATE)
    stream = array.array("h", bytes(2 * lead)) + source[start:end]
    last_speech = len(stream) - 1  # index of the last speech sample
    # the VAD's view: silence after the utterance until long after its hangover
    padded = stream + array.array("h", bytes(2 * 2 * RATE))
    segments = benchlib.vad_segments(benchlib.frame_dbs(padded))
    dbs = benchlib.frame_dbs(source[start:end])
    threshold_floor = -55.0  # digital silence around it: the floor is far below, the absolute minimum decides
    pause = longest = 0
    for db in dbs:
        pause = pause + 1 if db <= threshold_floor else 0
        longest = max(longest, pause)
    return stream, last_speech, segments, longest * 30

def poll_db(con, after_id):
    return con.execute("SELECT id, conversation_id, start_seconds, end_seconds, created_at, text FROM transcript_segments WHERE id > ? ORDER BY id",
                       (after_id,)).fetchall()

class ApiPoller:
    """Polls GET /api/conversations/{id} over one keep-alive connection (the conversation found through /api/clients/active)."""

    def __init__(self, port, token, device):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.headers = {"Authorization": f"Bearer {token}"}
        self.device = device
        self.conversation = None

    def _get(self, path):
        self.conn.request("GET", path, headers=self.headers)
        r = self.conn.getresponse()
        body = r.read()
        return r.status, body

    def poll(self):
        if self.conversation is None:
            status, body = self._get("/api/clients/active")
            for c in json.loads(body).get("clients", []):
                if c.get("device_name") == self.device and c.get("current_conversation"):
                    self.conversation = c["current_conversation"]
            return []
        status, body = self._get(f"/api/conversations/{self.conversation}")
        if status != 200:
            return []
        return [(None, self.conversation, t["start"], t["end"], None, t["text"]) for t in json.loads(body).get("transcript", [])]

def one_run(server, token, stream, last_speech, emitted, run, args, con):
    device = f"lat{run}"
    after_id = con.execute("SELECT coalesce(max(id), 0) FROM transcript_segments").fetchone()[0]
    api = ApiPoller(server.port, token, device) if args.poll == "api" else None
    ws = WebSocket("127.0.0.1", server.port, f"/ws_pcm?token={token}&device_name={device}")
    fmt = {"rate": RATE, "width": 2, "channels": 1}
    silence = bytes(2 * CHUNK)
    chunk_last = last_speech // CHUNK        # the chunk holding the last speech sample
    chunk_emit = (emitted - 1) // CHUNK      # the chunk that completes the VAD frame ending the hangover
    sent = {}
    rows = []
    cpu = {}
    try:
        ws.send_text(wyoming_event("audio-start", fmt))
        origin = time.perf_counter()
        next_poll = origin
        seen = None
        k = 0
        while True:
            now = time.perf_counter()
            deadline = origin + k * CHUNK / RATE
            if now >= deadline:
                payload = stream[k * CHUNK:(k + 1) * CHUNK].tobytes() if k * CHUNK < len(stream) else silence
                payload += bytes(2 * CHUNK - len(payload))
                ws.send_text(wyoming_event("audio-chunk", dict(fmt, timestamp=int(time.time())), len(payload)))
                ws.send_binary(payload)
                if k in (chunk_last, chunk_emit):
                    sent[k] = time.time()
                    if k == chunk_emit:
                        cpu["emit"] = (benchlib.cpu_seconds(server.pid), benchlib.machine_busy_seconds())
                k += 1
                if k % 25 == 0:
                    ws.check()
                continue
            # after the last speech sample: poll for the row; before it (API only): find the conversation
            lookup = api is not None and api.conversation is None and k * CHUNK > RATE // 2
            polling = k > chunk_last or lookup
            if polling and now >= next_poll:
                found = api.poll() if api else poll_db(con, after_id)
                seen = time.time()
                if found:
                    rows = found
                    cpu["seen"] = (benchlib.cpu_seconds(server.pid), benchlib.machine_busy_seconds())
                    break
                if k > chunk_last and seen - sent[chunk_last] > args.timeout:
                    break
                next_poll = now + (args.poll_ms / 1000 if k > chunk_last else 0.1)
                continue
            time.sleep(max(0.0, (min(deadline, next_poll) if polling else deadline) - time.perf_counter()))
        ws.send_text(wyoming_event("audio-stop", {"timestamp": int(time.time())}))
    finally:
        ws.close()
    if not rows:
        return None
    row = rows[0]
    if row[4] is None:  # polled through the API: the row's created_at from the database, after the fact
        found = con.execute("SELECT created_at FROM transcript_segments WHERE conversation_id = ? ORDER BY id LIMIT 1", (row[1],)).fetchone()
        row = row[:4] + (found[0] if found else None,) + row[5:]
    created = row[4] / 1000 if row[4] is not None else None
    logged = next((t for t, line in server.lines if "segment transcribed" in line and row[1] in line and t >= sent[chunk_last]), None)
    span = seen - sent[chunk_emit] if chunk_emit in sent else 0
    server_cpu = others = None
    if span > 0 and "emit" in cpu:
        server_cpu = (cpu["seen"][0] - cpu["emit"][0]) / span
        others = max(0.0, (cpu["seen"][1] - cpu["emit"][1]) / span - server_cpu)
    return {
        "server_cpu": server_cpu, "others": others,
        "latency": seen - sent[chunk_last],
        "hangover": sent.get(chunk_emit, seen) - sent[chunk_last],
        "transcribe": created - sent[chunk_emit] if created and chunk_emit in sent else None,
        "visible": seen - created if created else None,
        "logged": logged - sent[chunk_emit] if logged and chunk_emit in sent else None,
        "rows": len(rows), "start": row[2], "end": row[3], "text": row[5],
    }

def stats_line(name, values, unit="ms", scale=1000):
    values = [v for v in values if v is not None]
    if not values:
        return f"  {name:<11} n/a"
    return (f"  {name:<11} median {statistics.median(values) * scale:7.0f} {unit}   min {min(values) * scale:7.0f}   "
            f"max {max(values) * scale:7.0f}   (n={len(values)})")

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", default=benchlib.DEFAULT_BINARY)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--utterance", type=int, default=2, help="which utterance of conversation-3utt.wav (1-3; 2 is ~4.7 s)")
    ap.add_argument("--lead-silence", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--model-size", default="tiny", choices=["tiny", "base", "small"])
    ap.add_argument("--poll", default="db", choices=["db", "api"], help="read the row from SQLite (read-only) or from GET /api/conversations/{id}")
    ap.add_argument("--poll-ms", type=float, default=10)
    ap.add_argument("--timeout", type=float, default=60, help="give a run up this many seconds after the last speech sample")
    ap.add_argument("--log-level", default="debug", help="server log level; debug times the 'segment transcribed' lines")
    ap.add_argument("--serve-arg", action="append", default=[], help="extra argument for serve (repeat), e.g. --serve-arg=--some-flag")
    ap.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)

    stream, last_speech, segments, longest_pause_ms = build_stream(args)
    if len(segments) != 1:
        raise SystemExit(f"the VAD port finds {len(segments)} segments in the test utterance, not 1: {segments}")
    seg_start, seg_end, emitted = segments[0]
    speech_s = (last_speech + 1) / RATE - args.lead_silence

    data = tempfile.mkdtemp(prefix="friendlite-latency-")
    model = synth_model(binary, os.path.join(data, f"synth-{args.model_size}.bin"), args.model_size)
    token = create_account(binary, data)
    server = Server(binary, data, model, threads=args.threads, log_level=args.log_level, extra=args.serve_arg)
    results = []
    try:
        con = sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True, isolation_level=None)
        print(f"binary: {binary}")
        print(f"server: {' '.join(server.command[1:])}")
        print(f"model: synthesized {args.model_size} (random weights, real cost; its text is noise), {server.transcription}; "
              f"--no-fallback: greedy decoding once, because random-weight output fails whisper's confidence checks")
        print(f"machine: {os.cpu_count()} cores; whisper threads {args.threads}; client and server on the same machine")
        print(f"utterance: conversation-3utt.wav #{args.utterance}, {speech_s:.2f} s of speech (longest internal pause below -55 dBFS: "
              f"{longest_pause_ms} ms) after {args.lead_silence:.1f} s of silence, then silence; 20 ms PCM frames in real time")
        print(f"VAD (port of EnergyVad): segment {seg_start / RATE:.2f}-{seg_end / RATE:.2f} s of the stream (200 ms padding each side), "
              f"handed over at {emitted / RATE:.2f} s = {(emitted - last_speech - 1) / RATE * 1000:.0f} ms after the last speech sample "
              f"(500 ms of silence in 30 ms frames; the 200 ms end padding lies inside this wait)")
        print(f"poll: {args.poll} every {args.poll_ms:g} ms; {args.warmup} warm-up run(s) not counted")
        print("run  latency_ms  hangover_ms  transcribe_ms  visible_ms  log_ms  server_cpu  other_cpu  row (start-end s, chars)")
        for run in range(args.warmup + args.runs):
            r = one_run(server, token, stream, last_speech, emitted, run, args, con)
            label = "warm" if run < args.warmup else f"{run - args.warmup + 1:4d}"
            if r is None:
                print(f"{label}  no row within {args.timeout:g} s", flush=True)
                continue
            fmt = lambda v: f"{v * 1000:.0f}" if v is not None else "-"
            cores = lambda v: f"{v:.2f}" if v is not None else "-"
            print(f"{label}  {fmt(r['latency']):>10}  {fmt(r['hangover']):>11}  {fmt(r['transcribe']):>13}  {fmt(r['visible']):>10}  "
                  f"{fmt(r['logged']):>6}  {cores(r['server_cpu']):>10}  {cores(r['others']):>9}  {r['start']:.2f}-{r['end']:.2f} ({len(r['text'])})" + (f" +{r['rows'] - 1} more rows!" if r["rows"] > 1 else ""),
                  flush=True)
            if run >= args.warmup:
                results.append(r)
            time.sleep(0.3)
        con.close()
        if results:
            print(f"summary over {len(results)} runs (end of utterance -> transcript row):")
            for key, name in [("latency", "latency"), ("hangover", "hangover"), ("transcribe", "transcribe"), ("visible", "visible"), ("logged", "log line")]:
                print(stats_line(name, [r[key] for r in results]))
            server_cpu = statistics.median([r["server_cpu"] or 0 for r in results])
            others = statistics.median([r["others"] or 0 for r in results])
            print(f"  cpu         server median {server_cpu:.2f} cores, other processes median {others:.2f} cores "
                  f"(from the handover to the row; {os.cpu_count()} cores in all)")
        missing = args.runs - len(results)
        if missing:
            print(f"{missing} run(s) got no row")
    finally:
        code = server.stop()
        print(f"server exit code {code}; data in {data}" + ("" if args.keep else " (removed)"))
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)

if __name__ == "__main__":
    main()
