# Sourced by .ci/run after the x64 build (uses its pass/fail/free_port and $bin): the one-file
# binary, its native library cache, a CPU without AVX2, and the Raspberry Pi build under qemu.
# shellcheck shell=bash

fixtures="${FRIENDLITE_FIXTURES:-}"
model="$fixtures/ggml-tiny.en-for-tests.bin"
jfk="$fixtures/jfk.wav"

# --- one file ------------------------------------------------------------------------------
size=$(stat -c %s "$bin")
files=$(find "$(dirname "$bin")" -mindepth 1 | wc -l)
[ "$files" -eq 1 ] && [ "$size" -lt 20000000 ] && pass "build.sh yields one file for linux-x64, $((size / 1000)) kB (under 20 MB)" \
  || fail "dist/linux-x64 holds $files entries, binary $size bytes"

# Copied alone to an empty folder, with an empty home: it places its libraries in ~/.cache and runs.
one=$(mktemp -d); mkdir -p "$one/home"; cp "$bin" "$one/friendlite-edge"
lone() { env -u FRIENDLITE_NATIVE_CACHE -u XDG_CACHE_HOME -u CACHE_DIRECTORY HOME="$one/home" "$one/friendlite-edge" "$@"; }
out=$(cd "$one" && lone transcribe --model "$model" --threads 2 --sized-window --format json "$jfk" 2>"$one/err"); code=$?
cache=$(find "$one/home/.cache/friendlite-edge" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n 1)
[ "$code" -eq 0 ] && grep -q '"seconds": 11' <<<"$out" && [ -f "$cache/libwhisper.so" ] && [ -f "$cache/libggml-cpu-whisper.so" ] \
  && pass "the binary alone in an empty folder transcribes, its Whisper libraries placed in ~/.cache/friendlite-edge/$(basename "$cache")" \
  || fail "one file transcribe exited $code: $out $(cat "$one/err")"
printf 'correct horse battery\n' | lone user add --email one@example.com --data-dir "$one/data" >/dev/null 2>"$one/err"; code=$?
[ "$code" -eq 0 ] && [ -f "$cache/libe_sqlite3.so" ] && pass "and creates a database through the SQLite it carries (user add)" || fail "one file user add exited $code: $(cat "$one/err")"
modes=$(stat -c %a "$cache")
[ "$modes" = 700 ] && pass "the cache folder is its owner's alone (700)" || fail "cache folder mode $modes"

# A library altered in the cache is reported in one line and replaced; the command still works.
printf 'tampered' >"$cache/libwhisper.so"
out=$(cd "$one" && lone transcribe --model "$model" --threads 2 --sized-window --format json "$jfk" 2>"$one/err"); code=$?
[ "$code" -eq 0 ] && [ "$(grep -c 'did not match its checksum' "$one/err")" -eq 1 ] && [ "$(stat -c %s "$cache/libwhisper.so")" -gt 1000 ] \
  && pass "a tampered cached library is reported in one line and replaced" || fail "tampered cache: exit $code $(cat "$one/err")"

# Two first starts at once on an empty cache both work (each file renamed into place whole).
rm -rf "$one/home/.cache"
(cd "$one" && lone transcribe --model "$model" --threads 1 --sized-window "$jfk" >/dev/null 2>"$one/err1") & first=$!
(cd "$one" && lone transcribe --model "$model" --threads 1 --sized-window "$jfk" >/dev/null 2>"$one/err2") & second=$!
wait "$first"; c1=$?; wait "$second"; c2=$?
leftovers=$(find "$one/home/.cache" -name '*.part' | wc -l)
[ "$c1" -eq 0 ] && [ "$c2" -eq 0 ] && [ "$leftovers" -eq 0 ] && pass "two first starts at once both transcribe; no partial files left" \
  || fail "two first starts: exits $c1 $c2, $leftovers partial files: $(cat "$one/err1" "$one/err2")"

# Nowhere to put the libraries: one sentence, exit 1, for SQLite and for Whisper.
nowhere() { env -u XDG_CACHE_HOME -u CACHE_DIRECTORY FRIENDLITE_NATIVE_CACHE=/proc/fl-nope HOME=/proc/fl-nope TMPDIR=/proc/fl-nope "$one/friendlite-edge" "$@"; }
out=$(nowhere user list --data-dir "$one/data2" 2>&1); code=$?
[ "$code" -eq 1 ] && grep -q '^error: SQLite is unavailable: cannot place the native libraries in a cache (/proc/fl-nope: .*): set FRIENDLITE_NATIVE_CACHE to a writable folder.$' <<<"$out" \
  && pass "no writable cache: SQLite's one sentence, exit 1" || fail "no writable cache (SQLite): exit $code: $out"
out=$(nowhere transcribe --model "$model" "$jfk" 2>&1); code=$?
[ "$code" -eq 1 ] && grep -q 'Local Whisper is unavailable: cannot place the native libraries in a cache (/proc/fl-nope: ' <<<"$out" \
  && pass "no writable cache: Whisper's one sentence, exit 1" || fail "no writable cache (Whisper): exit $code: $out"
rm -rf "$one"

# --- an x64 CPU without AVX2 (qemu's Nehalem: SSE4.2, no AVX) ------------------------------------
if command -v qemu-x86_64-static >/dev/null; then
  old=(qemu-x86_64-static -cpu Nehalem "$bin")
  [ "$("${old[@]}" --version 2>&1)" = "$expected_version" ] && pass "x64 binary starts on a Nehalem CPU (no AVX): --version" || fail "Nehalem --version: $("${old[@]}" --version 2>&1)"
  port6=$(free_port); data6=$(mktemp -d)
  "${old[@]}" serve --host 127.0.0.1 --port "$port6" --data-dir "$data6" --model "$model" 2>"$data6.log" &
  pid6=$!
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$port6/health" -o "$data6.health" && break; sleep 0.1; done
  grep -q '"transcription":{"status":"unavailable","detail":"Local Whisper needs an x64 CPU with AVX2, FMA and F16C, and this one lacks AVX, AVX2, FMA and F16C: transcribe through a Wyoming server instead, with --asr wyoming://HOST:PORT."}' "$data6.health" \
    && grep -q '"database":{"status":"ok"' "$data6.health" \
    && pass "on Nehalem serve answers /health, its database works, and local Whisper's absence is one sentence pointing to --asr" \
    || fail "Nehalem serve: $(cat "$data6.health" "$data6.log" 2>/dev/null)"
  kill -TERM "$pid6"; wait "$pid6"; code=$?
  [ "$code" -eq 0 ] && pass "on Nehalem the server stops with exit 0" || fail "Nehalem serve exit $code"
  doctor=$("${old[@]}" doctor --data-dir "$data6" --host 127.0.0.1 --port "$(free_port)" --offline 2>&1); code=$?
  [ "$code" -eq 1 ] && grep -q '^FAIL cpu: x64 without AVX: local Whisper needs an x64 CPU with AVX2, FMA and F16C' <<<"$doctor" \
    && pass "on Nehalem doctor fails the cpu line and points to --asr" || fail "Nehalem doctor exit $code: $doctor"
  out=$("${old[@]}" transcribe --model "$model" "$jfk" 2>&1); code=$?
  [ "$code" -eq 1 ] && grep -q 'needs an x64 CPU with AVX2' <<<"$out" && pass "on Nehalem transcribe exits 1 with that sentence" || fail "Nehalem transcribe exit $code: $out"
  rm -rf "$data6" "$data6.log" "$data6.health"
else
  fail "qemu-x86_64-static is missing (qemu-user-static)"
fi

# --- the Raspberry Pi: linux-arm64 built here, run under qemu as a Cortex-A72 (a Pi 4) ---------
arm_log=$(mktemp)
if tools/arm64-toolchain.sh --emulator >"$arm_log" 2>&1 && ./build.sh --rid linux-arm64 >>"$arm_log" 2>&1; then
  arm="$root/dist/linux-arm64/friendlite-edge"
  arm_size=$(stat -c %s "$arm")
  [ "$(find "$root/dist/linux-arm64" -mindepth 1 | wc -l)" -eq 1 ] && [ "$arm_size" -lt 20000000 ] \
    && pass "./build.sh --rid linux-arm64 yields one file, $((arm_size / 1000)) kB (under 20 MB)" || fail "linux-arm64 dist: $(ls -la "$root/dist/linux-arm64")"
  pi=(qemu-aarch64-static -cpu cortex-a72 "$arm")
  [ "$("${pi[@]}" --version 2>&1)" = "$expected_version" ] && pass "arm64 under qemu (Cortex-A72): --version" || fail "arm64 --version: $("${pi[@]}" --version 2>&1)"
  pi_home=$(mktemp -d); port7=$(free_port)
  HOME="$pi_home" "${pi[@]}" serve --host 127.0.0.1 --port "$port7" --data-dir "$pi_home/data" 2>"$pi_home/log" &
  pid7=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port7/health" -o "$pi_home/health" && break; sleep 0.1; done
  grep -q '"status":"ok"' "$pi_home/health" && pass "arm64 under qemu: serve answers /health (SQLite from its own cache)" || fail "arm64 serve: $(cat "$pi_home/health" "$pi_home/log" 2>/dev/null)"
  kill -TERM "$pid7"; wait "$pid7"
  # Emulated NEON is slow (jfk.wav's 11 s took 3 CPU minutes here): its first 3 s, sized window.
  python3 -c 'import sys,wave; r=wave.open(sys.argv[1],"rb"); w=wave.open(sys.argv[2],"wb"); w.setparams(r.getparams()); w.writeframes(r.readframes(3*r.getframerate())); w.close()' "$jfk" "$pi_home/jfk3.wav"
  out=$(HOME="$pi_home" "${pi[@]}" transcribe --model "$model" --threads 2 --sized-window --no-fallback --format json "$pi_home/jfk3.wav" 2>"$pi_home/err"); code=$?
  [ "$code" -eq 0 ] && grep -q '"seconds": 3' <<<"$out" && grep -q 'model tiny' "$pi_home/err" \
    && pass "arm64 under qemu: transcribe runs Whisper on jfk.wav's first 3 s with the test model" || fail "arm64 transcribe exited $code: $out $(cat "$pi_home/err")"
  rm -rf "$pi_home"
else
  fail "linux-arm64 tool chain or build: $(grep -E 'error|build.sh|arm64-toolchain' "$arm_log" | sort -u | head -n 10)"
fi
rm -f "$arm_log"
