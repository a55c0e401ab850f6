// A stand-in for a Wyoming ASR server (wyoming-faster-whisper's role) that answers each request
// with the next of a few fixed sentences. The fixtures' Whisper test model writes text without
// meaning, so with it every page would show empty segments and untitled conversations: with these
// sentences the local extractor makes titles, memories and action items the screenshots can show.
import { createServer } from 'node:net';

export const sentences = [
  'The glass furnace runs at two thousand degrees and weighs four hundred pounds.',
  'Please buy oat milk and coffee beans before the weekend.',
  'My sister Anna lives in Lyon and visits us every March.',
  'I prefer the night train to flying for long trips.',
];

/** Listens on a free loopback port; resolves with { port, requests(), close() }. */
export function startSpeechServer() {
  let next = 0;
  let requests = 0;
  const server = createServer(socket => {
    let buffer = Buffer.alloc(0);
    let skip = 0; // bytes of a payload or extra data still to pass over
    socket.on('error', () => {});
    socket.on('data', chunk => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (skip > 0) {
          const n = Math.min(skip, buffer.length);
          buffer = buffer.subarray(n);
          skip -= n;
          if (skip > 0) return;
        }
        const end = buffer.indexOf(0x0a);
        if (end < 0) return;
        const event = JSON.parse(buffer.subarray(0, end).toString('utf8'));
        buffer = buffer.subarray(end + 1);
        skip = (event.data_length ?? 0) + (event.payload_length ?? 0);
        if (event.type === 'audio-stop') {
          requests++;
          const text = sentences[next++ % sentences.length];
          socket.write(`${JSON.stringify({ type: 'transcript', data: { text } })}\n`);
        }
      }
    });
  });
  return new Promise((ok, fail) => {
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => ok({
      port: server.address().port,
      requests: () => requests,
      close: () => new Promise(done => server.close(() => done())),
    }));
  });
}
