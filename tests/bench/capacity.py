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
             sample_count with the final flush. (Servers before 81a6068 did not expose how many
             segments were cut or queued; this works with any server and checks itself: at the
             end every conversation's rows must equal its count.)
  rows       transcript_segments rows
  backlog    expected - rows: waiting in the live queue, as durable jobs, or being transcribed
  jobs       pending `transcribe` jobs (the durable overflow: live queue full, or a device gone
             before its segments started)
  cpu        server utime+stime over the interval, in cores
  server     queued + running + jobs_pending from GET /api/debug/sessions (admin token), when the
             server has these transcription counts; should match backlog
After the load stops (the last device's audio-stop, from conversations.ended_at) it waits up to
--drain-wait seconds for rows == expected. An audio-stop in the middle of an utterance flushes its
start as one more segment (a "flushed tail"); these arrive all at once, so the drain is timed twice:
drain_s until every segment handed over before the stop has its row (the backlog the load left),
tail_s until the flushed tails have theirs too (rows' created_at).

The expected counts follow the energy VAD (the default); with --serve-arg=--vad-model=... they do
not apply, and only the server's own counts (srv_max, srv_end) are meaningful.

"Keeps up": the backlog does not grow over the run (its mean over the last third of the load is
less than 2 segments above its mean over the first third) and every segment has its row within
--settle seconds after the load stopped (drain_s). The steps stop at the first N that does not keep up
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

    def final(self, sample_count, flush=True):
        """Segments of a stream closed after sample_count samples (audio-stop flushes the open one, unless flush=False)."""
        return len(benchlib.vad_segments(self.dbs[:sample_count // VAD_FRAME], sample_count if flush else None))

def debug_counts(server, token):
    """The scheduler's own counts from /api/debug/sessions (admin), or None when this server does not expose them."""
    try:
        t = server.get("/api/debug/sessions", token).get("transcription")
    except OSError:
        return None
    return t if isinstance(t, dict) and "queued" in t else None

def read_state(con):
    conversations = con.execute("SELECT id, client_id, started_at, state, sample_count, coalesce(ended_at, 0) FROM conversations").fetchall()
    rows = dict(con.execute("SELECT conversation_id, count(*) FROM transcript_segments GROUP BY conversation_id").fetchall())
    jobs = dict(con.execute("SELECT state, count(*) FROM jobs WHERE kind = 'transcribe' GROUP BY state").fetchall())
    return conversations, rows, jobs

def phase_of(client, phases):
    m = re.search(r"-p(\d+)-\d+$", client)
    return phases[int(m.group(1))] if m else phases[0]

def expected_segments(conversations, phases, now, margin=0.1):
    total, per_conversation = 0, {}
    for cid, client, started, state, count, _ in conversations:
        phase = phase_of(client, phases)
        n = phase.final(count) if state != "open" else phase.handed_over(now - started / 1000 - margin)
        per_conversation[cid] = n
        total += n
    return total, per_conversation

def run_step(n, args, binary, model, phases_all, workdir):
    data = tempfile.mkdtemp(prefix=f"n{n}-", dir=workdir)
    token = create_account(binary, data)
    # one conversation per device for the whole step (the expected counts follow one VAD per device)
    extra = ["--conversation-timeout", "10m", *args.serve_arg]
    server = Server(binary, data, model, threads=args.threads, log_level=args.log_level, extra=extra)
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
        busy0 = benchlib.machine_busy_seconds()
        t0 = time.time()
        for j, phase in enumerate(phases):
            clients = n // count + (1 if j < n % count else 0)
            if clients == 0:
                continue
            procs.append(subprocess.Popen([binary, "loadgen", "--url", url, "--audio", phase.path, "--codec", "pcm", "--frame-ms", "20",
                                           "--clients", str(clients), "--duration", f"{args.duration}s", "--device-name", f"p{j}", "--json",
                                           "--log-level", "warn"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        samples = []  # (t, expected, rows, jobs_pending, jobs_running, cpu_cores, loading, debug counts or None)
        last_t, last_cpu = t0, cpu0
        stream_end = t0 + args.duration  # loadgen stops sending then (audio-stop, close)
        cpu_load = machine_load = load_end = drained_at = None
        next_sample = t0 + args.interval
        while True:
            # every --interval while the devices stream; afterwards every 0.25 s, to time the drain
            time.sleep(max(0.0, next_sample - time.time()))
            now = time.time()
            loading = now < stream_end  # the samples of the trend: before the audio-stops (their flushed tails are not load)
            next_sample = now + (args.interval if loading else 0.25)
            conversations, rows, jobs = read_state(con)
            expected, _ = expected_segments(conversations, phases, now)
            done = sum(rows.values())
            cpu = cpu_seconds(server.pid)
            counts = debug_counts(server, token) if loading else None
            samples.append((now - t0, expected, done, jobs.get("pending", 0), jobs.get("running", 0), (cpu - last_cpu) / (now - last_t), loading, counts))
            last_t, last_cpu = now, cpu
            if args.verbose and (loading or len(samples) % 8 == 0):
                seen = f" server: queued {counts['queued']} running {counts['running']} jobs_pending {counts['jobs_pending']}" if counts else ""
                print(f"    t={now - t0:6.1f}s expected {expected:4d} rows {done:4d} backlog {expected - done:4d} jobs {jobs.get('pending', 0):3d}"
                      f" cpu {samples[-1][5]:.2f}{seen}{'' if loading else '  (streams stopped)'}", flush=True)
            if cpu_load is None and not loading:
                cpu_load = (cpu - cpu0) / (now - t0)
                machine_load = (benchlib.machine_busy_seconds() - busy0) / (now - t0)
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
        row_times = {}
        for cid, created in con.execute("SELECT conversation_id, created_at FROM transcript_segments ORDER BY id"):
            row_times.setdefault(cid, []).append(created / 1000)
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
    # the server's own view (when /api/debug/sessions has transcription counts): waiting = queued + running + jobs_pending
    seen = [s[7] for s in load if s[7]]
    server_max = max((c["queued"] + c["running"] + c["jobs_pending"] for c in seen), default=None)
    server_end = seen[-1]["queued"] + seen[-1]["running"] + seen[-1]["jobs_pending"] if seen else None
    # From the last audio-stop (rows timed by their created_at): `drain` until every segment handed over
    # before the stop has its row, `tail` until the tails the stops flushed have theirs too.
    flushed, drain, tail = 0, None, None
    if drained_at and load_end:
        drain = tail = 0.0
        for cid, client, started, state, count, _ in conversations:
            before = phase_of(client, phases).final(count, flush=False)
            flushed += per_conv[cid] - before
            times = row_times.get(cid, [])
            if before and times:
                drain = max(drain, times[min(before, len(times)) - 1] - load_end)
            if times:
                tail = max(tail, times[-1] - load_end)
    mismatched = sum(1 for cid, e in per_conv.items() if rows.get(cid, 0) != e)
    kept_up = growth < 2 and drain is not None and drain <= args.settle
    lg = {k: sum(s.get(k, 0) for s in summaries) for k in ("frames_sent", "late_frames", "errors", "sessions_opened")}
    lg["send_max_ms"] = max((s["send_latency_ms"]["max"] for s in summaries), default=0)
    lg["error_counts"] = {}
    for s in summaries:
        for kind, c in (s.get("error_counts") or {}).items():
            lg["error_counts"][kind] = lg["error_counts"].get(kind, 0) + c
    loadgen_cpu = ((times1.children_user + times1.children_system) - (times0.children_user + times0.children_system)) / args.duration
    others = max(0.0, machine_load - cpu_load - loadgen_cpu) if cpu_load is not None else None
    return {
        "n": n, "phases": len(phases), "expected": expected, "rows": done, "during": during, "max_backlog": max(backlog), "server_max": server_max, "server_end": server_end,
        "end_backlog": backlog[-1], "growth": growth, "slope": slope, "max_jobs": max((s[3] for s in samples), default=0),
        "drain": drain, "tail": tail, "flushed": flushed, "cpu": cpu_load, "loadgen_cpu": loadgen_cpu, "others": others, "kept_up": kept_up, "conversations": len(conversations),
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
              f"--conversation-timeout 10m {' '.join(args.serve_arg)}(fresh data directory per step)")
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
        print("columns: segments = all handed over (incl. the tails flushed by the audio-stops); rows_during = rows before the stop;")
        print("  backlog = handed over - rows, sampled every interval while streaming (max, at the end, growth last third - first third,")
        print("  least-squares slope per minute); max_jobs = pending durable jobs; drain_s = last audio-stop -> rows for all segments")
        print("  handed over before it; tail_s = ... -> rows for the flushed tails too; cpu in cores (utime+stime / wall, while streaming;")
        print("  other_cpu: every other process of the machine, from /proc/stat: a quiet machine has ~0);")
        print("  srv_max/srv_end: the server's own queued + running + jobs_pending from /api/debug/sessions, '-' when not exposed")
        print(" clients  segments  flushed  rows_during  max_backlog  end_backlog  srv_max  srv_end  growth  slope/min  max_jobs  drain_s  tail_s  server_cpu  "
              "loadgen_cpu  other_cpu  late_frames  errors  kept_up")
        best = None
        for n in steps:
            r = run_step(n, args, binary, model, phases_all, workdir)
            drain = f"{r['drain']:.1f}" if r["drain"] is not None else f">{args.drain_wait:g}"
            opt = lambda v: "-" if v is None else str(v)
            tail = f"{r['tail']:.1f}" if r["tail"] is not None else f">{args.drain_wait:g}"
            print(f" {r['n']:7d}  {r['expected']:8d}  {r['flushed']:7d}  {r['during']:11d}  {r['max_backlog']:11d}  {r['end_backlog']:11d}  {opt(r['server_max']):>7}  {opt(r['server_end']):>7}  {r['growth']:6.1f}  "
                  f"{r['slope']:9.1f}  {r['max_jobs']:8d}  {drain:>7}  {tail:>6}  {r['cpu']:10.2f}  {r['loadgen_cpu']:11.2f}  {r['others'] or 0:9.2f}  {r['late_frames']:11d}  "
                  f"{r['errors']:6d}  {'yes' if r['kept_up'] else 'NO'}", flush=True)
            notes = []
            if r["conversations"] != n:
                notes.append(f"{r['conversations']} conversations for {n} devices (reconnects?): expected counts may be off")
            if r["mismatched"]:
                notes.append(f"{r['mismatched']} conversation(s) whose rows differ from the VAD port's count (a different VAD, or lost segments)")
            if r["error_counts"]:
                notes.append(f"loadgen errors: {r['error_counts']}")
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
