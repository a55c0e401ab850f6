#!/usr/bin/env python3
"""Transcription capacity: how many real-time devices, speaking 30 % of the time, one server keeps
up with before its transcription backlog grows.

Usage (after ./build.sh):
  python3 tests/bench/capacity.py [--clients 1,2,4,6,8,12,16,24,32] [--duration 60] [--threads 2]
                                  [--binary dist/linux-x64/friendlite-edge]

The server runs with a synthesized tiny model (`model synth`: random weights shaped to decode like
a real model; its text is noise, its cost is real) and `--no-fallback` (greedy decoding once:
random-weight output always fails whisper's confidence checks, which would re-decode each segment
at five more temperatures). A temporary WAV is composed from the three utterances of
conversation-3utt.wav with digital silence between them so that speech is --speech-fraction
(30 %) of it; it loops. For each N, a fresh server (new data directory) gets N real-time devices
from the AOT `loadgen` (/ws_pcm, 20 ms PCM frames, --duration seconds). By default the devices
are spread over up to --max-phases phases (one loadgen process per phase, its copy of the WAV
rotated), so that they do not all speak at the same moment; --aligned runs one loadgen with all N
in step (every device starts the same sentence together: the worst burst).

Every --interval seconds the script reads the database (read-only) and /proc:
  expected   segments the devices' VADs have handed over so far: a port of Audio/EnergyVad.cs run
             on each device's stream, counted up to the time since its conversation started
             (conversations.started_at); after a conversation closed, its exact count up to its
             sample_count with the final flush. The server does not expose how many segments it
             has cut or queued, so this is how the live queue is seen.
  rows       transcript_segments rows
  backlog    expected - rows: waiting in the live queue, as durable jobs, or being transcribed
  jobs       pending `transcribe` jobs (the durable overflow: live queue full, or a device gone
             before its segments started)
  cpu        server utime+stime over the interval, in cores
After the load stops it waits up to --drain-wait seconds for rows == expected.

"Keeps up": the backlog does not grow over the run (its mean over the last third of the load is
less than 2 segments above its mean over the first third) and every segment has its row within
--settle seconds after the load stopped. The steps stop at the first N that does not keep up
(unless --keep-going); the largest N that kept up is reported.
"""
import argparse, array, json, os, re, shutil, sqlite3, statistics, subprocess, sys, tempfile, time
import benchlib
from benchlib import RATE, VAD_FRAME, Server, cpu_seconds, create_account, synth_model, write_wav

ALIGN = 960  # lcm of the 20 ms loadgen frame (320) and the 30 ms VAD frame (480): rotations keep both aligned

def silence(count):
    return array.array("h", bytes(2 * count))

def compose(fraction):
    """The looped device audio: gap/2, u1, gap, u2, gap, u3, gap/2 (digital silence), speech = fraction of it."""
    source = benchlib.read_wav(os.path.join(benchlib.fixtures_dir(), "conversation-3utt.wav"))
    parts = [source[s:e] for s, e in benchlib.utterances(source)]
    speech = sum(len(p) for p in parts)
    total = speech / fraction
    gap = (total - speech) / len(parts)
    out = array.array("h")
    for i, p in enumerate(parts):
        out.extend(silence(int(gap / 2 if i == 0 else gap)))
        out.extend(p)
    out.extend(silence(int(gap / 2)))
    out.extend(silence(-len(out) % ALIGN))
    return out, speech, gap

class Phase:
    """One rotation of the composed audio: its WAV file and its VAD segments, looped."""

    def __init__(self, index, offset, samples, base_dbs, seconds, directory):
        self.index, self.offset = index, offset
        rotated = samples[offset:] + samples[:offset]
        self.path = os.path.join(directory, f"phase{index}.wav")
        write_wav(self.path, rotated)
        shift = offset // VAD_FRAME
        frames = base_dbs[shift:] + base_dbs[:shift]
        loops = int(seconds * RATE / len(samples)) + 2
        self.dbs = frames * loops
        self.emitted = [seg[2] for seg in benchlib.vad_segments(self.dbs)]

    def handed_over(self, elapsed):
        """Segments the server's VAD has handed over `elapsed` seconds into the stream."""
        limit = elapsed * RATE
        return sum(1 for e in self.emitted if e <= limit)

    def final(self, sample_count):
        """Segments of a stream closed after sample_count samples (audio-stop flushes the open one)."""
        return len(benchlib.vad_segments(self.dbs[:sample_count // VAD_FRAME], sample_count))

def read_state(con):
    conversations = con.execute("SELECT id, client_id, started_at, state, sample_count, coalesce(ended_at, 0) FROM conversations").fetchall()
    rows = dict(con.execute("SELECT conversation_id, count(*) FROM transcript_segments GROUP BY conversation_id").fetchall())
    jobs = dict(con.execute("SELECT state, count(*) FROM jobs WHERE kind = 'transcribe' GROUP BY state").fetchall())
    return conversations, rows, jobs

def expected_segments(conversations, phases, now, margin=0.1):
    total, per_conversation = 0, {}
    for cid, client, started, state, count, _ in conversations:
        m = re.search(r"-p(\d+)-\d+$", client)
        phase = phases[int(m.group(1))] if m else phases[0]
        n = phase.final(count) if state != "open" else phase.handed_over(now - started / 1000 - margin)
        per_conversation[cid] = n
        total += n
    return total, per_conversation

def run_step(n, args, binary, model, phases_all, workdir):
    data = tempfile.mkdtemp(prefix=f"n{n}-", dir=workdir)
    token = create_account(binary, data)
    server = Server(binary, data, model, threads=args.threads, log_level=args.log_level, extra=args.serve_arg)
    procs = []
    try:
        con = sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True, isolation_level=None)
        # phases: spread N devices over P rotations, offsets evenly apart (aligned to frames)
        count = 1 if args.aligned else min(n, args.max_phases)
        phases = phases_all[count]
        env = dict(os.environ, FRIENDLITE_TOKEN=token)
        url = f"ws://127.0.0.1:{server.port}/ws_pcm"
        times0 = os.times()
        cpu0 = cpu_seconds(server.pid)
        t0 = time.time()
        for j, phase in enumerate(phases):
            clients = n // count + (1 if j < n % count else 0)
            if clients == 0:
                continue
            procs.append(subprocess.Popen([binary, "loadgen", "--url", url, "--audio", phase.path, "--codec", "pcm", "--frame-ms", "20",
                                           "--clients", str(clients), "--duration", f"{args.duration}s", "--device-name", f"p{j}", "--json",
                                           "--log-level", "warn"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        samples = []  # (t, expected, rows, jobs_pending, jobs_running, cpu_cores, loading)
        last_t, last_cpu = t0, cpu0
        stream_end = t0 + args.duration  # loadgen stops sending then (audio-stop, close)
        cpu_load = load_end = drained_at = None
        next_sample = t0 + args.interval
        while True:
            # every --interval while the devices stream; afterwards every 0.25 s, to time the drain
            time.sleep(max(0.0, next_sample - time.time()))
            now = time.time()
            loading = now < stream_end + 0.5
            next_sample = now + (args.interval if now + args.interval < stream_end else 0.25)
            conversations, rows, jobs = read_state(con)
            expected, _ = expected_segments(conversations, phases, now)
            done = sum(rows.values())
            cpu = cpu_seconds(server.pid)
            samples.append((now - t0, expected, done, jobs.get("pending", 0), jobs.get("running", 0), (cpu - last_cpu) / (now - last_t), loading))
            last_t, last_cpu = now, cpu
            if args.verbose and (loading or len(samples) % 8 == 0):
                print(f"    t={now - t0:6.1f}s expected {expected:4d} rows {done:4d} backlog {expected - done:4d} jobs {jobs.get('pending', 0):3d}"
                      f" cpu {samples[-1][5]:.2f}{'' if loading else '  (streams stopped)'}", flush=True)
            if cpu_load is None and not loading:
                cpu_load = (cpu - cpu0) / (now - t0)
            stopped = all(p.poll() is not None for p in procs) and conversations and all(c[3] != "open" for c in conversations)
            if stopped and load_end is None:
                # the load stopped when the last device's audio-stop closed its conversation
                load_end = max(c[5] for c in conversations) / 1000
            if stopped and done >= expected:
                drained_at = now
                break
            if now > stream_end + args.drain_wait:
                break
        outputs = [p.communicate() for p in procs]
        times1 = os.times()
        summaries = []
        for out, err in outputs:
            try:
                summaries.append(json.loads(out))
            except json.JSONDecodeError:
                print(f"    loadgen printed no summary: {err.strip()[:300]}")
        conversations, rows, jobs = read_state(con)
        expected, per_conv = expected_segments(conversations, phases, time.time())
        last_row = con.execute("SELECT max(created_at) FROM transcript_segments").fetchone()[0]
        con.close()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill(); p.wait()
        code = server.stop()
    done = sum(rows.values())
    load = [s for s in samples if s[6]]
    backlog = [s[1] - s[2] for s in load] or [0]
    third = max(1, len(backlog) // 3)
    growth = statistics.mean(backlog[-third:]) - statistics.mean(backlog[:third])
    slope = 0.0
    if len(load) >= 2:
        ts = [s[0] for s in load]
        mt, mb = statistics.mean(ts), statistics.mean(backlog)
        var = sum((t - mt) ** 2 for t in ts)
        slope = sum((t - mt) * (b - mb) for t, b in zip(ts, backlog)) / var * 60 if var else 0.0
    during = max((s[2] for s in load), default=0)
    # drain: from the last audio-stop to the last row (rows are timed by their created_at)
    drain = max(0.0, last_row / 1000 - load_end) if drained_at and load_end and last_row else (0.0 if drained_at else None)
    mismatched = sum(1 for cid, e in per_conv.items() if rows.get(cid, 0) != e) if drained_at else None
    kept_up = growth < 2 and drain is not None and drain <= args.settle
    lg = {k: sum(s.get(k, 0) for s in summaries) for k in ("frames_sent", "late_frames", "errors", "sessions_opened")}
    lg["send_max_ms"] = max((s["send_latency_ms"]["max"] for s in summaries), default=0)
    loadgen_cpu = ((times1.children_user + times1.children_system) - (times0.children_user + times0.children_system)) / args.duration
    return {
        "n": n, "phases": len(phases), "expected": expected, "rows": done, "during": during, "max_backlog": max(backlog),
        "end_backlog": backlog[-1], "growth": growth, "slope": slope, "max_jobs": max((s[3] for s in samples), default=0),
        "drain": drain, "cpu": cpu_load, "loadgen_cpu": loadgen_cpu, "kept_up": kept_up, "conversations": len(conversations),
        "mismatched": mismatched, "exit": code, **lg,
    }

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", default=benchlib.DEFAULT_BINARY)
    ap.add_argument("--clients", default="1,2,4,6,8,12,16,24,32,48,64", help="device counts to try, in order")
    ap.add_argument("--duration", type=int, default=60, help="seconds of load per step")
    ap.add_argument("--speech-fraction", type=float, default=0.30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--model-size", default="tiny", choices=["tiny", "base", "small"])
    ap.add_argument("--interval", type=float, default=2.0, help="seconds between samples")
    ap.add_argument("--settle", type=float, default=10.0, help="every segment must have its row this long after the load stopped")
    ap.add_argument("--drain-wait", type=float, default=60.0, help="how long to wait for the backlog to drain after the load")
    ap.add_argument("--max-phases", type=int, default=16, help="spread devices over at most this many rotations of the audio (one loadgen each)")
    ap.add_argument("--aligned", action="store_true", help="all devices in step (one loadgen; worst-case bursts)")
    ap.add_argument("--keep-going", action="store_true", help="do not stop at the first N that falls behind")
    ap.add_argument("--log-level", default="warn")
    ap.add_argument("--serve-arg", action="append", default=[], help="extra argument for serve (repeat), e.g. --serve-arg=--some-flag")
    ap.add_argument("--verbose", action="store_true", help="print every sample")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (data directories, composed WAVs, server logs)")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    steps = [int(x) for x in args.clients.split(",")]

    workdir = tempfile.mkdtemp(prefix="friendlite-capacity-")
    try:
        samples, speech, gap = compose(args.speech_fraction)
        base_dbs = benchlib.frame_dbs(samples)
        segments = benchlib.vad_segments(base_dbs * 2)
        per_loop = len(segments) // 2
        seg_seconds = sum(e - s for s, e, _ in segments[:per_loop]) / RATE
        loop_s = len(samples) / RATE
        model = synth_model(binary, os.path.join(workdir, f"synth-{args.model_size}.bin"), args.model_size)
        phases_all = {}
        for count in sorted({1 if args.aligned else min(n, args.max_phases) for n in steps}):
            sub = os.path.join(workdir, f"phases{count}")
            os.makedirs(sub)
            phases_all[count] = [Phase(j, (j * len(samples) // count) // ALIGN * ALIGN, samples, base_dbs, args.duration + 30, sub) for j in range(count)]

        print(f"binary: {binary}")
        print(f"server: serve --model synth-{args.model_size}.bin --threads {args.threads} --no-fallback --log-level {args.log_level} "
              f"{' '.join(args.serve_arg)} (fresh data directory per step)")
        print(f"model: synthesized {args.model_size} (random weights, real cost; its text is noise); --no-fallback: greedy decoding once, "
              f"because random-weight output fails whisper's confidence checks")
        print(f"machine: {os.cpu_count()} cores; server and loadgen on the same machine")
        print(f"audio: {loop_s:.1f} s loop of conversation-3utt.wav's 3 utterances ({speech / RATE:.1f} s of speech = "
              f"{speech / len(samples) * 100:.0f} %) with {gap / RATE:.1f} s of digital silence between them; "
              f"VAD: {per_loop} segments per loop, {seg_seconds:.1f} s with padding ({seg_seconds / loop_s * 100:.0f} %)")
        print(f"load: /ws_pcm, 20 ms PCM frames in real time, {args.duration} s per step; "
              + ("all devices in step (--aligned)" if args.aligned else f"devices spread over up to {args.max_phases} phases of the loop"))
        print(f"each device hands over {per_loop / loop_s * 60:.1f} segments per minute; keeps up = backlog not growing "
              f"(last third vs first third < 2) and drained within {args.settle:g} s after the load")
        print(" clients  segments  rows_during  max_backlog  end_backlog  growth  slope/min  max_jobs  drain_s  server_cpu  "
              "loadgen_cpu  late  errors  kept_up")
        best = None
        for n in steps:
            r = run_step(n, args, binary, model, phases_all, workdir)
            drain = f"{r['drain']:.1f}" if r["drain"] is not None else f">{args.drain_wait:g}"
            print(f" {r['n']:7d}  {r['expected']:8d}  {r['during']:11d}  {r['max_backlog']:11d}  {r['end_backlog']:11d}  {r['growth']:6.1f}  "
                  f"{r['slope']:9.1f}  {r['max_jobs']:8d}  {drain:>7}  {r['cpu']:10.2f}  {r['loadgen_cpu']:11.2f}  {r['late_frames']:4d}  "
                  f"{r['errors']:6d}  {'yes' if r['kept_up'] else 'NO'}", flush=True)
            notes = []
            if r["conversations"] != n:
                notes.append(f"{r['conversations']} conversations for {n} devices (reconnects?): expected counts may be off")
            if r["mismatched"]:
                notes.append(f"{r['mismatched']} conversation(s) whose rows differ from the VAD port's count")
            if r["drain"] is None:
                notes.append(f"after {args.drain_wait:g} s, {r['expected'] - r['rows']} segment(s) still had no row")
            if r["exit"] != 0:
                notes.append(f"server exit code {r['exit']}")
            for note in notes:
                print(f"          note: {note}")
            if r["kept_up"]:
                best = n if best is None or n > best else best
            elif not args.keep_going:
                break
        print(f"largest N that kept up: {best if best is not None else 'none'}")
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

if __name__ == "__main__":
    main()
