#!/usr/bin/env python3
"""Transcription overhead benchmark: `friendlite-edge transcribe` against a bare Whisper.net run.

Usage (after ./build.sh):
  python3 tests/bench/transcribe_overhead.py [--runs 10] [--threads 2] [--binary dist/linux-x64/friendlite-edge]
                                             [--bare PATH/bare-whisper] [--audio jfk.wav]

The baseline is tests/bench/BareWhisper (published here with `dotnet publish -c Release -r linux-x64`
unless --bare names a published one): it reads the WAV, sets OMP_WAIT_POLICY=passive, loads the
model, runs one ProcessAsync with the same settings (English, --threads, greedy without temperature
fallback) and prints the text; nothing else. A tiny model with random weights is made once with
`model synth` (real cost, noise text; see DESIGN.md on why benchmarks turn the fallback off). After
one warm-up run of each (page cache), runs alternate between the two, in turn first, and each is
timed from exec to exit (wall), with its CPU time (user+sys from the kernel) and the time it
prints on stderr for building the processor and ProcessAsync ("N segments in X s"), which leaves
out process start, model load and teardown. The target, reported and not enforced: median wall
time of transcribe / median wall time of bare <= 1.05.
"""
import argparse, os, re, resource, shutil, statistics, subprocess, sys, tempfile, time
from benchlib import machine, spread, synth_model

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.join(ROOT, "dist", "linux-x64", "friendlite-edge")
TARGET = 1.05
INPROC = re.compile(r"(\d+) segments in ([0-9.]+) s")

def default_audio():
    fixtures = os.environ.get("FRIENDLITE_FIXTURES") or os.path.join(os.path.dirname(ROOT), "shared", "fixtures")
    return os.path.join(fixtures, "jfk.wav")

def publish_bare(work):
    """Publishes BareWhisper (Native AOT) into work/bare; its obj/bin go to work too, not the repo."""
    out = os.path.join(work, "bare")
    cmd = ["dotnet", "publish", os.path.join(HERE, "BareWhisper", "BareWhisper.csproj"), "-c", "Release", "-r", "linux-x64",
           "-o", out, "--artifacts-path", os.path.join(work, "artifacts"), "-nologo"]
    print("publishing BareWhisper...", flush=True)
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        sys.exit(f"transcribe_overhead: publishing BareWhisper failed:\n{done.stdout}")
    return os.path.join(out, "bare-whisper")

def timed(cmd):
    """Runs cmd to its end: (wall s, CPU s, in-process s, segments, transcript words)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"transcribe_overhead: {' '.join(cmd)} exited with {done.returncode}:\n{done.stderr}")
    found = INPROC.search(done.stderr)
    if not found:
        sys.exit(f"transcribe_overhead: no 'N segments in X s' on the stderr of {' '.join(cmd)}:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, float(found.group(2)), int(found.group(1)), done.stdout

def main():
    ap = argparse.ArgumentParser(description="friendlite-edge transcribe against a bare Whisper.net ProcessAsync")
    ap.add_argument("--binary", default=BIN)
    ap.add_argument("--bare", help="a published bare-whisper binary (default: publish tests/bench/BareWhisper into a temporary folder)")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--audio", default=default_audio())
    args = ap.parse_args()
    binary, audio = os.path.abspath(args.binary), os.path.abspath(args.audio)
    for path, what in ((binary, "--binary"), (audio, "--audio")):
        if not os.path.isfile(path):
            sys.exit(f"transcribe_overhead: {what} {path} does not exist")

    work = tempfile.mkdtemp(prefix="friendlite-bench-")
    try:
        bare = os.path.abspath(args.bare) if args.bare else publish_bare(work)
        model = synth_model(binary, os.path.join(work, "synth-tiny.bin"))
        threads = str(args.threads)
        commands = {
            "transcribe": [binary, "transcribe", "--model", model, "--threads", threads, "--no-fallback", audio],
            "bare": [bare, model, audio, threads, "flash"],  # friendlite-edge uses flash attention too
        }
        results = {name: [] for name in commands}
        start_machine = machine()
        for name, cmd in commands.items():  # warm-up: page cache, not counted
            _, _, _, segments, text = timed(cmd)
            results[name + " text"] = (segments, text)
        for i in range(args.runs):
            order = ("transcribe", "bare") if i % 2 == 0 else ("bare", "transcribe")
            for name in order:
                results[name].append(timed(commands[name])[:3])
        end_machine = machine()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    version = subprocess.run([binary, "--version"], stdout=subprocess.PIPE, text=True).stdout.strip()
    print(f"binary: {binary} ({version})")
    print(f"bare:   {bare}")
    print(f"audio:  {audio}; model: model synth --size tiny (random weights); {args.threads} threads, greedy, no fallback")
    print(f"machine at start: {start_machine}")
    print(f"machine at end:   {end_machine}")
    print(f"runs: {args.runs} of each, alternating, after one warm-up of each")
    for name in commands:
        walls, cpus, inproc = zip(*results[name])
        outside = [w - p for w, p in zip(walls, inproc)]
        print(f"{name:>10}: wall {spread(walls)}; CPU {spread(cpus)}")
        print(f"{'':>10}  in-process (processor + ProcessAsync) {spread(inproc, digits=2)}; the rest of the wall {spread(outside)}")
    wall = {name: statistics.median(w for w, _, _ in results[name]) for name in commands}
    cpu = {name: statistics.median(c for _, c, _ in results[name]) for name in commands}
    inproc = {name: statistics.median(p for _, _, p in results[name]) for name in commands}
    ratio = wall["transcribe"] / wall["bare"]
    print(f"ratio of median wall times transcribe/bare: {ratio:.3f} (target <= {TARGET}: {'met' if ratio <= TARGET else 'MISSED'})")
    print(f"ratio of median CPU times:                  {cpu['transcribe'] / cpu['bare']:.3f}")
    print(f"ratio of median in-process times:           {inproc['transcribe'] / inproc['bare']:.3f}")
    (ts, tt), (bs, bt) = results["transcribe text"], results["bare text"]
    same = tt.split() == bt.split()[2:]  # bare prints "N segments" first
    print(f"segments: transcribe {ts}, bare {bs}; same text: {'yes' if same else 'NO (the two runs did not decode alike)'}")

if __name__ == "__main__":
    main()
