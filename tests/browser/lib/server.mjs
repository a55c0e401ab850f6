// The real AOT server for the browser tests and the page measurement: a fresh data directory, a free
// loopback port, Silero VAD, and a transcriber (the stand-in ASR of lib/asr.mjs, or the fixtures'
// Whisper test model), local memories; users made with the binary's own CLI.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync, realpathSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSpeechServer } from './asr.mjs';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The shared fixtures: FRIENDLITE_FIXTURES, else ../shared/fixtures beside the clone (as .ci/run). */
export function fixturesDir() {
  // Resolved and without '..': Chromium refuses a --use-file-for-fake-audio-capture path that
  // references a parent folder and silently records silence instead (.ci/run exports
  // FRIENDLITE_FIXTURES as "$root/../shared/fixtures").
  const wanted = resolve(process.env.FRIENDLITE_FIXTURES || join(repoRoot, '..', 'shared', 'fixtures'));
  if (!existsSync(wanted)) throw new Error(`the fixtures are missing: ${wanted} (set FRIENDLITE_FIXTURES or put shared/ beside the repository)`);
  const dir = realpathSync(wanted);
  for (const name of ['jfk.wav', 'conversation-3utt.wav', 'ggml-tiny.en-for-tests.bin', 'silero-v6.2.0-ggml.bin']) {
    if (!existsSync(join(dir, name))) {
      throw new Error(`the fixtures are missing: ${join(dir, name)} (set FRIENDLITE_FIXTURES or put shared/ beside the repository)`);
    }
  }
  return dir;
}

export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

/** Runs the binary to completion; resolves with stdout, rejects with its stderr. */
export function run(bin, args, { input, env, timeoutMs = 60_000 } = {}) {
  return new Promise((ok, fail) => {
    const child = execFile(bin, args, { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      if (err) fail(new Error(`${bin} ${args.join(' ')} failed (${err.code ?? err.signal}): ${stderr.trim() || stdout.trim()}`));
      else ok(stdout);
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

/**
 * transcriber 'sentences' (the default): a stand-in Wyoming ASR answering fixed sentences (lib/asr.mjs),
 * so pages show real words; 'whisper': the fixtures' Whisper test model (empty text), offline.
 */
export async function startServer(bin, { transcriber = 'sentences' } = {}) {
  const fixtures = fixturesDir();
  const asr = transcriber === 'sentences' ? await startSpeechServer() : null;
  const dataDir = mkdtempSync(join(tmpdir(), 'friendlite-browser-'));
  const port = await freePort();
  const log = [];
  const args = ['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir,
    '--vad-model', join(fixtures, 'silero-v6.2.0-ggml.bin')];
  // --asr is refused with --offline (it is an outbound connection); memories stay local either way (no --llm-url).
  if (asr) args.push('--asr', `wyoming://127.0.0.1:${asr.port}`);
  else args.push('--model', join(fixtures, 'ggml-tiny.en-for-tests.bin'), '--threads', '2', '--offline');
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', d => { log.push(d); });
  const exited = new Promise(ok => child.on('exit', (code, signal) => ok(code ?? signal)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const early = await Promise.race([exited, new Promise(ok => setTimeout(() => ok(undefined), 100))]);
    if (early !== undefined) throw new Error(`serve exited ${early} before answering /health: ${log.join('')}`);
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { child.kill('SIGTERM'); throw new Error(`serve did not answer /health in 30 s: ${log.join('')}`); }
  }
  return {
    bin, port, url, dataDir, fixtures,
    log: () => log.join(''),
    async addUser(email, password, { admin = false, displayName } = {}) {
      const a = ['user', 'add', '--email', email, '--data-dir', dataDir];
      if (admin) a.push('--admin');
      if (displayName) a.push('--display-name', displayName);
      await run(bin, a, { input: `${password}\n` });
    },
    async login(email, password) {
      const r = await fetch(`${url}/auth/jwt/login`, { method: 'POST', body: new URLSearchParams({ username: email, password }) });
      const body = await r.json();
      if (!r.ok) throw new Error(`login ${email}: ${r.status} ${JSON.stringify(body)}`);
      return body.access_token;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await asr?.close();
      if (!process.env.KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A small JSON client for one token; throws with the server's detail on any non-2xx. */
export function api(server, token) {
  const call = async (method, path, body) => {
    const init = { method, headers: { Authorization: `Bearer ${token}` } };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) { init.body = JSON.stringify(body); init.headers['Content-Type'] = 'application/json'; }
    const r = await fetch(server.url + path, init);
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    get: p => call('GET', p),
    post: (p, b) => call('POST', p, b),
    async upload(path, fileName) {
      const form = new FormData();
      form.append('files', new Blob([readFileSync(path)], { type: 'audio/wav' }), fileName);
      return call('POST', '/api/process-audio-files', form);
    },
  };
}
