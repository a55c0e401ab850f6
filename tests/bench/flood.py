#!/usr/bin/env python3
"""Disk flood: how many bytes one authenticated device can make the server write per minute.

Usage (after ./build.sh):
  python3 tests/bench/flood.py [--seconds 60] [--rotate-names] [--hold-one] [--binary dist/linux-x64/friendlite-edge] [-- SERVE FLAGS...]

Starts the AOT server (no transcription, default limits unless flags follow `--`) on a fresh data
directory, then one device on /ws_pcm sends 16 kHz mono PCM as fast as TCP takes it: 256,000-byte
chunks (8 s of audio each, under the 256 KiB payload limit), masked with a zero key so the client
is not the bottleneck. Whenever the server closes the session the device reconnects at once with
the same device_name, as a misbehaving device would (with --rotate-names, a new device_name each
time, as an attacker would; with --hold-one, another session of the account stays connected all the
while, sending only a ping event, so every flooding session joins a connected account). After --seconds it stops and reports the
audio the server stored (sum of the conversations' samples x 2 bytes, and the bytes of the WAV
files), scaled to one minute, and the close codes it was given.
"""
import argparse, collections, os, sqlite3, subprocess, sys, tempfile, threading, time
from benchlib import DEFAULT_BINARY, WebSocket, create_account, free_port, machine, wait_for_port, wyoming_event

CHUNK = 256_000  # bytes: 128,000 samples, 8 s of 16 kHz mono audio

def flood(port, token, seconds, rotate):
    fmt = {"rate": 16000, "width": 2, "channels": 1}
    payload = bytes(CHUNK)
    chunk_header = wyoming_event("audio-chunk", fmt, CHUNK).encode()
    closes, refused, sessions, sent = collections.Counter(), collections.Counter(), 0, 0
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            name = f"flood-{sessions}" if rotate else "flood"
            ws = WebSocket("127.0.0.1", port, f"/ws_pcm?token={token}&device_name={name}")
        except ConnectionError as e:
            refused[str(e)[:60]] += 1
            time.sleep(0.05)
            continue
        except OSError:
            time.sleep(0.05)
            continue
        sessions += 1
        try:
            ws.send_unmasked_payload(0x1, wyoming_event("audio-start", fmt).encode())
            while time.time() < deadline:
                ws.send_unmasked_payload(0x1, chunk_header)
                ws.send_unmasked_payload(0x2, payload)
                sent += CHUNK
                ws.check()
            ws.close()
        except (ConnectionError, OSError):
            closes[str(ws.closed_by_server)] += 1
            ws.sock.close()
    return sessions, sent, closes, refused

def hold(port, token, seconds):
    """One idle session of the account for the whole run (a ping event every 10 s keeps it from the idle timeout)."""
    ws = WebSocket("127.0.0.1", port, f"/ws_pcm?token={token}&device_name=held")
    deadline = time.time() + seconds
    while time.time() < deadline:
        ws.send_unmasked_payload(0x1, wyoming_event("ping").encode())
        time.sleep(min(10, max(0, deadline - time.time())))
    ws.close()

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--binary", default=DEFAULT_BINARY)
    ap.add_argument("--rotate-names", action="store_true", help="a new device_name for every session")
    ap.add_argument("--hold-one", action="store_true", help="keep another session of the account connected")
    ap.add_argument("serve_flags", nargs="*")
    args = ap.parse_args()
    data_dir = tempfile.mkdtemp(prefix="friendlite-flood-")
    token = create_account(args.binary, data_dir)
    port = free_port()
    log = open(os.path.join(data_dir, "server.log"), "w")
    server = subprocess.Popen([args.binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", data_dir,
                               "--log-level", "warn", *args.serve_flags], stdout=subprocess.DEVNULL, stderr=log)
    try:
        wait_for_port(port, timeout=30)
        started = time.time()
        holder = threading.Thread(target=hold, args=(port, token, args.seconds), daemon=True)
        if args.hold_one:
            holder.start()
            time.sleep(0.2)
        sessions, sent, closes, refused = flood(port, token, args.seconds, args.rotate_names)
        elapsed = time.time() - started
        time.sleep(3)  # the last session's close and the rows it writes
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    con = sqlite3.connect(os.path.join(data_dir, "friendlite.db"))
    samples, conversations = con.execute("SELECT coalesce(sum(sample_count), 0), count(*) FROM conversations").fetchone()
    con.close()
    wav_bytes = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(os.path.join(data_dir, "audio")) for f in fs)
    per_minute = 60 / elapsed
    print(f"machine: {machine()}")
    print(f"server: {args.binary} {' '.join(args.serve_flags)}{' (device names rotated)' if args.rotate_names else ''}{' (one more session held open)' if args.hold_one else ''}")
    print(f"flooded {elapsed:.1f} s: {sessions} sessions, {sent:,} payload bytes sent, {conversations} conversations")
    print(f"stored: {samples * 2:,} bytes of audio ({samples / 16000:,.0f} s), WAV files {wav_bytes:,} bytes")
    print(f"per minute: {samples * 2 * per_minute:,.0f} bytes of audio ({samples / 16000 * per_minute:,.0f} s of audio), WAV {wav_bytes * per_minute:,.0f} bytes")
    print(f"closes: {dict(closes)}; refused upgrades: {dict(refused)}")
    print(f"data directory: {data_dir}")

if __name__ == "__main__":
    sys.exit(main())
