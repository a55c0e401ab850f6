// The browser as a device: the microphone streamed to /ws_pcm in Wyoming events, as Friend-Lite's
// recorder did, with a level meter and the transcript as its segments arrive.
import { duration, fill, h } from './dom.js';
import { token } from './api.js';
import { every } from './app.js';

const FORMAT = { rate: 16000, width: 2, channels: 1 };

export function render(main, { api, signal }) {
  const button = h('button', { type: 'button', class: 'primary' }, 'Start recording');
  const meter = h('meter', { id: 'level', min: 0, max: 1, low: 0.1, high: 0.8, optimum: 0.5, value: 0 });
  const status = h('p', { 'data-test': 'record-status', role: 'status' }, 'Not recording');
  const transcript = h('ol', { class: 'transcript', 'data-test': 'live-transcript' });
  const link = h('p');
  main.append(
    h('h1', { tabindex: -1 }, 'Record'),
    h('p', { class: 'muted' }, 'This browser becomes a device: what the microphone hears is stored and transcribed like a wearable’s audio.'),
    h('div', { class: 'actions' }, button),
    h('label', { for: 'level' }, 'Level'), meter,
    status, link,
    h('h2', {}, 'Transcript'), transcript);

  if (!navigator.mediaDevices?.getUserMedia || !window.AudioWorkletNode) {
    button.disabled = true;
    status.textContent = window.isSecureContext
      ? 'This browser cannot record here (no microphone access or AudioWorklet).'
      : 'Browsers only give the microphone to https:// pages and to http://localhost. Open this page through an HTTPS reverse proxy, or on the server itself.';
    return undefined;
  }

  const deviceName = `web-${Math.random().toString(36).slice(2, 8).padEnd(6, '0')}`;
  let session = null;
  let conversationId = null;
  let shown = -1;

  async function start() {
    button.disabled = true;
    status.textContent = 'Connecting…';
    try {
      session = await open(deviceName, level => { meter.value = level; }, reason => {
        status.textContent = reason;
        stop();
      });
      status.textContent = `Recording as ${deviceName}`;
      button.textContent = 'Stop recording';
      conversationId = null;
      shown = -1;
      fill(transcript);
      fill(link);
    } catch (error) {
      status.textContent = error.message;
      session = null;
    } finally {
      button.disabled = false;
    }
  }

  function stop() {
    if (!session) return;
    session.stop();
    session = null;
    meter.value = 0;
    button.textContent = 'Start recording';
    if (!status.textContent.startsWith('Stopped') && status.textContent.startsWith('Recording')) {
      status.textContent = 'Stopped. The last words are still being transcribed.';
    }
  }

  button.addEventListener('click', () => (session ? stop() : start()));

  // The transcript: find this browser's conversation among the active clients, then follow it.
  every(2000, signal, async () => {
    if (session) {
      const active = await api('GET', '/api/clients/active');
      const me = active.clients.find(c => c.device_name === deviceName);
      if (me) {
        status.textContent = `Recording as ${me.client_id}`;
        if (me.current_conversation && me.current_conversation !== conversationId) {
          conversationId = me.current_conversation;
          shown = -1;
          fill(link, h('a', { href: `#/conversations/${encodeURIComponent(conversationId)}` }, 'Open conversation'));
        }
      }
    }
    if (!conversationId) return;
    const c = await api('GET', `/api/conversations/${encodeURIComponent(conversationId)}`);
    if (c.transcript.length !== shown) {
      shown = c.transcript.length;
      fill(transcript, c.transcript.map(s => h('li', {}, h('span', { class: 'at' }, duration(s.start)), ' ', s.text)));
    }
    if (!session && c.state !== 'open' && c.title) conversationId = null; // finished: nothing more will arrive
  });

  return () => stop();
}

/** Opens the microphone and the device socket; resolves once audio flows. */
async function open(deviceName, onLevel, onEnd) {
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true } });
  } catch (error) {
    throw new Error(error.name === 'NotAllowedError'
      ? 'The microphone was not allowed: allow it in the browser’s site settings and try again.'
      : `No microphone: ${error.message}`);
  }
  const context = new AudioContext();
  const cleanup = () => {
    stream.getTracks().forEach(track => track.stop());
    context.close().catch(() => {});
  };
  let socket;
  try {
    await context.audioWorklet.addModule(new URL('./recorder-worklet.js', import.meta.url));
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const query = new URLSearchParams({ token: token() ?? '', device_name: deviceName });
    socket = new WebSocket(`${scheme}://${location.host}/ws_pcm?${query}`);
    socket.binaryType = 'arraybuffer';
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve, { once: true });
      socket.addEventListener('close', e => reject(new Error(
        `The server refused the recording${e.reason ? `: ${e.reason}` : ''} (is the token still valid, or the disk full?).`)), { once: true });
    });
  } catch (error) {
    cleanup();
    throw error;
  }

  let stopping = false;
  socket.send(JSON.stringify({ type: 'audio-start', data: FORMAT, payload_length: null }));
  const node = new AudioWorkletNode(context, 'friendlite-recorder');
  node.port.onmessage = ({ data }) => {
    onLevel(data.level);
    if (socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ type: 'audio-chunk', data: { ...FORMAT, timestamp: Date.now() }, payload_length: data.pcm.byteLength }));
    socket.send(data.pcm);
  };
  context.createMediaStreamSource(stream).connect(node);
  socket.addEventListener('close', e => {
    cleanup();
    if (!stopping) onEnd(`The server ended the recording (${e.code}${e.reason ? `: ${e.reason}` : ''}).`);
  });

  return {
    stop() {
      stopping = true;
      node.port.onmessage = null;
      if (socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: 'audio-stop', data: { timestamp: Date.now() }, payload_length: null }));
        socket.close(1000, 'stopped');
      }
      cleanup();
    },
  };
}
