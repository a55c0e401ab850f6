"""Helpers shared by the benchmark scripts in this folder."""
import os, socket, statistics, time

def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def wait_for_port(port, timeout=10.0):
    """Waits until something accepts connections on 127.0.0.1:port."""
    deadline = time.time() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.01)

def rss_kib(pid):
    """VmRSS of a process, in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

def cpu_model():
    """The CPU's model name from /proc/cpuinfo ("unknown" when absent)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"

def machine():
    """One line about the machine: usable cores, CPU model, load average."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{cores} cores (nproc), {cpu_model()}, load average {load}"

def spread(values, unit="s", digits=3):
    """'median X (min Y, max Z)' for a list of numbers."""
    return (f"median {statistics.median(values):.{digits}f} {unit} "
            f"(min {min(values):.{digits}f}, max {max(values):.{digits}f})")

# ---------------------------------------------------------------------------------------------
# Transcription benchmarks (latency.py, capacity.py): paths, WAV files, a port of the server's
# energy VAD, a transcribing server with a synthesized model, and a minimal WebSocket client.
# ---------------------------------------------------------------------------------------------
import array, base64, hashlib, json, math, os, select, signal, struct, subprocess, threading, urllib.request, wave

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_BINARY = os.path.join(REPO, "dist", "linux-x64", "friendlite-edge")
RATE = 16000
TICKS = os.sysconf("SC_CLK_TCK")

def fixtures_dir():
    """$FRIENDLITE_FIXTURES, else ../shared/fixtures beside the repository; fails clearly when absent."""
    path = os.environ.get("FRIENDLITE_FIXTURES", os.path.join(REPO, "..", "shared", "fixtures"))
    if not os.path.isfile(os.path.join(path, "conversation-3utt.wav")):
        raise SystemExit(f"fixtures not found in {os.path.abspath(path)}: set FRIENDLITE_FIXTURES to the shared fixtures folder")
    return path

def read_wav(path):
    """Samples of a 16 kHz mono 16-bit WAV (what the fixtures are), as array('h')."""
    with wave.open(path) as w:
        if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (RATE, 1, 2):
            raise SystemExit(f"{path}: expected 16 kHz mono 16-bit PCM")
        return array.array("h", w.readframes(w.getnframes()))

def write_wav(path, samples):
    with wave.open(path, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(RATE)
        w.writeframes(array.array("h", samples).tobytes())

def utterances(samples, level=16, min_gap=1.0):
    """(start, end) sample ranges of sound louder than `level` (peak), gaps shorter than min_gap seconds merged.
    On conversation-3utt.wav (utterances apart by 2 s of +-1 dither) these are its three utterances."""
    runs, start, last = [], None, None
    gap = int(min_gap * RATE)
    for i, x in enumerate(samples):
        if x > level or x < -level:
            if start is None:
                start = i
            elif i - last > gap:
                runs.append((start, last + 1)); start = i
            last = i
    if start is not None:
        runs.append((start, last + 1))
    return runs

def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS

# --- a port of Audio/EnergyVad.cs (keep in step with it) ---------------------------------------

VAD_FRAME = 480  # 30 ms

def frame_dbs(samples):
    """Level of each complete 30 ms frame, in dBFS, computed as EnergyVad.Frame does."""
    out = []
    scale = 32768.0 * 32768.0
    for k in range(len(samples) // VAD_FRAME):
        energy = float(sum(x * x for x in samples[k * VAD_FRAME:(k + 1) * VAD_FRAME]))
        out.append(10 * math.log10((energy / VAD_FRAME / scale) + 1e-12))
    return out

class EnergyVadPort:
    """The server's energy VAD on frame levels. Segments are (start, end, emitted): samples of the
    stream, `emitted` being the stream position at which the server's VAD hands the segment over
    (the end of the 30 ms frame that completes the silence hangover)."""
    HISTORY = 166

    def __init__(self, min_silence=0.5, min_speech=0.25, padding=0.2, max_segment=25.0, margin_db=12.0, minimum_db=-55.0):
        s = lambda seconds: int(seconds * RATE)
        self.min_silence, self.min_speech, self.padding, self.max_segment = s(min_silence), s(min_speech), s(padding), s(max_segment)
        self.margin_db, self.minimum_db = margin_db, minimum_db
        self.history = [0.0] * self.HISTORY
        self.count = self.next = self.since_floor = 0
        self.floor = math.nan
        self.position = 0
        self.speech_start = None
        self.last_speech_end = 0
        self.segments = []

    def frame(self, db):
        self.history[self.next] = db
        self.next = (self.next + 1) % self.HISTORY
        self.count = min(self.count + 1, self.HISTORY)
        if math.isnan(self.floor):
            self.since_floor = 0
            self.floor = sorted(self.history[:self.count])[self.count // 10]
        else:
            self.since_floor += 1
            if self.since_floor >= 8:
                self.since_floor = 0
                self.floor = sorted(self.history[:self.count])[self.count // 10]
        start = self.position
        self.position += VAD_FRAME
        if db > max(self.floor + self.margin_db, self.minimum_db):
            if self.speech_start is None:
                self.speech_start = start
            self.last_speech_end = self.position
            if self.last_speech_end - self.speech_start >= self.max_segment:
                self._emit(self.speech_start, self.last_speech_end, None)
                self.speech_start = self.position
        elif self.speech_start is not None and self.position - self.last_speech_end >= self.min_silence:
            self._emit(self.speech_start, self.last_speech_end, None)
            self.speech_start = None

    def flush(self, end_of_stream):
        if self.speech_start is not None:
            self._emit(self.speech_start, self.last_speech_end, end_of_stream)
            self.speech_start = None

    def _emit(self, start, end, end_of_stream):
        if end - start < self.min_speech:
            return
        padded = end + self.padding
        if end_of_stream is not None:
            padded = min(padded, end_of_stream)
        self.segments.append((max(0, start - self.padding), padded, end_of_stream if end_of_stream is not None else self.position))

def vad_segments(dbs, total_samples=None):
    """Segments of a whole stream given its frame levels; flushed at total_samples when given (a conversation's close)."""
    vad = EnergyVadPort()
    for db in dbs:
        vad.frame(db)
    if total_samples is not None:
        vad.flush(total_samples)
    return vad.segments

# --- a transcribing server -----------------------------------------------------------------------

def synth_model(binary, path, size="tiny"):
    """A model of a real size with random weights (`model synth`), written once per path."""
    if not os.path.exists(path):
        subprocess.run([binary, "model", "synth", "--out", path, "--size", size], check=True, stdout=subprocess.DEVNULL)
    return path

def create_account(binary, data_dir, email="bench@example.com"):
    """An administrator and a device token for it, with the CLI (as the other benchmarks do)."""
    subprocess.run([binary, "user", "add", "--email", email, "--admin", "--data-dir", data_dir],
                   input=b"correct horse battery\n", check=True, stdout=subprocess.DEVNULL)
    return subprocess.run([binary, "token", "create", "--email", email, "--lifetime", "4h", "--data-dir", data_dir],
                          check=True, capture_output=True, text=True).stdout.strip()

class Server:
    """`serve --model M --threads T --no-fallback` on a free loopback port. Its stderr goes to
    <data-dir>/server.log; every line is also kept with the wall time it was read at (`lines`)."""

    def __init__(self, binary, data_dir, model, threads=2, log_level="warn", extra=()):
        self.port = free_port()
        self.data_dir = data_dir
        self.db_path = os.path.join(data_dir, "friendlite.db")
        self.lines = []  # (wall time, line)
        self._log = open(os.path.join(data_dir, "server.log"), "a")
        cmd = [binary, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", data_dir, "--model", model,
               "--threads", str(threads), "--no-fallback", "--log-level", log_level,
               "--max-connections-per-address", "100000", *extra]  # every simulated device is 127.0.0.1
        self.command = cmd
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, bufsize=1)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            wait_for_port(self.port, timeout=30)
            health = self.get("/health")
            transcription = health["components"]["transcription"]
            if transcription["status"] != "ok":
                raise RuntimeError(f"transcription is {transcription}")
            self.transcription = transcription.get("detail")
        except BaseException:
            self.stop()
            raise

    @property
    def pid(self):
        return self.proc.pid

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append((time.time(), line.rstrip("\n")))
            self._log.write(line)
        self._log.flush()

    def get(self, path, token=None):
        headers = {"Connection": "close"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers)
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.load(r)

    def stop(self, timeout=30):
        """SIGTERM, then SIGKILL after `timeout`; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(timeout=5)
        self._log.close()
        return self.proc.returncode

# --- a minimal WebSocket client (RFC 6455: handshake, masked frames) -----------------------------

class WebSocket:
    """Client side of RFC 6455, enough for the device endpoints: one connection, masked frames
    sent whole, server frames read only to notice a close."""
    GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def __init__(self, host, port, path, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError(f"connection closed during the upgrade: {buf[:200]!r}")
            buf += chunk
        head, self.buffer = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        if not lines[0].startswith("HTTP/1.1 101"):
            raise ConnectionError(f"upgrade refused: {lines[0]}")
        headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
        accept = base64.b64encode(hashlib.sha1((key + self.GUID).encode()).digest()).decode()
        if headers.get("sec-websocket-accept") != accept:
            raise ConnectionError("bad Sec-WebSocket-Accept")
        self.closed_by_server = None

    @staticmethod
    def frame_header(opcode, n):
        """A final, masked frame's header for a payload of n bytes (the mask follows it)."""
        if n < 126:
            return struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        if n < 65536:
            return struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        return struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)

    def send(self, opcode, payload):
        n = len(payload)
        mask = os.urandom(4)
        if n:
            key = (mask * (n // 4 + 1))[:n]
            payload = (int.from_bytes(payload, "little") ^ int.from_bytes(key, "little")).to_bytes(n, "little")
        self.sock.sendall(self.frame_header(opcode, n) + mask + payload)

    def send_unmasked_payload(self, opcode, payload):
        """A frame with a zero mask (valid per RFC 6455): the payload goes as it is, with no XOR, for floods."""
        self.sock.sendall(self.frame_header(opcode, len(payload)) + b"\0\0\0\0" + payload)

    def send_text(self, text):
        self.send(0x1, text.encode())

    def send_binary(self, data):
        self.send(0x2, bytes(data))

    def _frame(self):
        """One server frame from the buffer, or None when incomplete."""
        b = self.buffer
        if len(b) < 2:
            return None
        opcode, n, pos = b[0] & 0x0F, b[1] & 0x7F, 2
        if n == 126:
            if len(b) < 4: return None
            n, pos = struct.unpack("!H", b[2:4])[0], 4
        elif n == 127:
            if len(b) < 10: return None
            n, pos = struct.unpack("!Q", b[2:10])[0], 10
        if len(b) < pos + n:
            return None
        self.buffer = b[pos + n:]
        return opcode, b[pos:pos + n]

    def check(self):
        """Reads what the server sent without blocking; raises when it closed the connection."""
        while select.select([self.sock], [], [], 0)[0]:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self.buffer += chunk
        while (frame := self._frame()) is not None:
            if frame[0] == 0x8:
                code = struct.unpack("!H", frame[1][:2])[0] if len(frame[1]) >= 2 else None
                self.closed_by_server = (code, frame[1][2:].decode(errors="replace"))
                raise ConnectionError(f"closed by the server: {self.closed_by_server}")

    def close(self, timeout=5.0):
        """Our close frame, then the server's answer (bounded by `timeout`)."""
        try:
            self.send(0x8, struct.pack("!H", 1000))
            deadline = time.time() + timeout
            while time.time() < deadline:
                self.sock.settimeout(max(0.01, deadline - time.time()))
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                self.buffer += chunk
                while (frame := self._frame()) is not None:
                    if frame[0] == 0x8:
                        return
        except OSError:
            pass
        finally:
            self.sock.close()

def wyoming_event(kind, data=None, payload_length=None):
    return json.dumps({"type": kind, "data": data or {}, "payload_length": payload_length}, separators=(",", ":"))

def machine_busy_seconds():
    """CPU seconds all processes of the machine have used (the first line of /proc/stat, without idle and iowait)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / TICKS
