#!/usr/bin/env python3
"""Slow clients against the real binary: how many connections they hold, and /health meanwhile.

Usage: python3 tests/bench/slowloris.py [--sockets 2000] [--addresses 1] [--seconds 30]
                                        [--binary dist/linux-x64/friendlite-edge]

Starts the server with its default limits on a free loopback port, under an open-file soft limit
of --nofile (1,024, the usual default the server raises at start). The attacker keeps --sockets
connections open from --addresses loopback addresses (127.0.0.2, 127.0.0.3, ...): each sends a
request line and then one more header byte every second, never finishing its headers, and is
reopened at once whenever the server closes it. Meanwhile a client on 127.0.0.1 asks for /health
every 50 ms on a new connection. Prints the connections the server holds (sampled each second,
from /proc/net/tcp), the refusals it counted, and /health's latency: median, p99, max, failures.
"""
import argparse, errno, os, selectors, socket, statistics, subprocess, tempfile, threading, time
from benchlib import free_port, wait_for_port


def held_connections(port):
    """Established server-side sockets on the port (the gate's accepted connections)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                        count += 1
        except FileNotFoundError:
            pass
    return count


class Attacker:
    def __init__(self, port, sockets, addresses):
        self.port, self.wanted = port, sockets
        self.sources = [f"127.0.0.{2 + i}" for i in range(addresses)]
        self.selector = selectors.DefaultSelector()
        self.opened = self.closed_by_server = self.refused_at_connect = 0
        self.stop = threading.Event()

    def open_one(self, index):
        s = socket.socket()
        s.setblocking(False)
        s.bind((self.sources[index % len(self.sources)], 0))
        try:
            s.connect(("127.0.0.1", self.port))
        except BlockingIOError:
            pass
        except OSError:
            self.refused_at_connect += 1
            s.close()
            return
        self.selector.register(s, selectors.EVENT_READ, index)
        self.opened += 1
        self.pending_first.append(s)

    def run(self):
        self.pending_first = []
        for i in range(self.wanted):
            self.open_one(i)
        last_drip = 0.0
        while not self.stop.is_set():
            for key, _ in self.selector.select(timeout=0.1):
                s = key.fileobj
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                if not data:  # closed (after a 408, or at once with a 429/503): reopen, as an attacker would
                    self.selector.unregister(s)
                    s.close()
                    self.closed_by_server += 1
                    self.open_one(key.data)
            now = time.monotonic()
            if now - last_drip >= 1.0:
                last_drip = now
                for s in self.pending_first:
                    try:
                        s.send(b"GET /health HTTP/1.1\r\nHost: x\r\n")
                    except OSError:
                        pass
                self.pending_first = []
                for key in list(self.selector.get_map().values()):
                    try:
                        key.fileobj.send(b"X")
                    except OSError:
                        pass
        for key in list(self.selector.get_map().values()):
            key.fileobj.close()


def probe_health(port, stop, latencies, failures):
    while not stop.is_set():
        start = time.perf_counter()
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n" % port)
            reply = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                reply += chunk
            s.close()
            if reply.startswith(b"HTTP/1.1 200"):
                latencies.append((time.perf_counter() - start) * 1000)
            else:
                failures.append(reply[:40])
        except OSError as e:
            failures.append(str(e))
        time.sleep(0.05)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sockets", type=int, default=2000)
    ap.add_argument("--addresses", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--binary", default="dist/linux-x64/friendlite-edge")
    ap.add_argument("--nofile", type=int, default=1024, help="the open-file soft limit the server starts with (1,024 is the usual default)")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    data = tempfile.mkdtemp(prefix="friendlite-bench-")
    port = free_port()
    log = open(os.path.join(data, "server.log"), "w")
    proc = subprocess.Popen(["bash", "-c", f"ulimit -S -n {args.nofile} && exec \"$@\"", "_", binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", data],
                            stdout=subprocess.DEVNULL, stderr=log)
    try:
        wait_for_port(port)
        baseline, base_failures = [], []
        stop = threading.Event()
        t = threading.Thread(target=probe_health, args=(port, stop, baseline, base_failures))
        t.start(); time.sleep(5); stop.set(); t.join()

        attacker = Attacker(port, args.sockets, args.addresses)
        stop_probe = threading.Event()
        latencies, failures, held = [], [], []
        a = threading.Thread(target=attacker.run)
        p = threading.Thread(target=probe_health, args=(port, stop_probe, latencies, failures))
        a.start(); p.start()
        end = time.monotonic() + args.seconds
        while time.monotonic() < end:
            time.sleep(1)
            held.append(held_connections(port))
        stop_probe.set(); attacker.stop.set(); p.join(); a.join()

        def summary(values):
            values = sorted(values)
            if not values:
                return "no answer at all"
            return f"median {statistics.median(values):.2f} ms, p99 {values[int(len(values) * 0.99) - 1]:.2f} ms, max {values[-1]:.2f} ms ({len(values)} requests)"
        print(f"attack: {args.sockets} slow sockets from {args.addresses} address(es) for {args.seconds:.0f} s; "
              f"opened {attacker.opened}, closed by the server {attacker.closed_by_server}")
        print(f"connections the server held: median {statistics.median(held):.0f}, max {max(held)}")
        print(f"/health without the attack: {summary(baseline)}, failures {len(base_failures)}")
        print(f"/health during the attack:  {summary(latencies)}, failures {len(failures)}")
        proc.send_signal(2)
        proc.wait(timeout=15)
        log.close()
        refusals = [l for l in open(os.path.join(data, "server.log")) if "connections: refused" in l]
        print(f"refusal lines logged: {len(refusals)}" + (f" (last: {refusals[-1].strip()[:160]})" if refusals else ""))
    finally:
        if proc.poll() is None:
            proc.kill()


if __name__ == "__main__":
    main()
