// Runs on the audio thread: turns the microphone's samples (at the context's rate, 48 kHz as a
// rule) into 16 kHz 16-bit mono PCM in 100 ms chunks, and measures their level.
const TARGET_RATE = 16000;
const CHUNK = 1600; // samples at 16 kHz: 100 ms, 3200 bytes

class Recorder extends AudioWorkletProcessor {
  constructor() {
    super();
    this.ratio = sampleRate / TARGET_RATE; // input samples per output sample
    this.position = 0; // where the next output sample sits, in input samples from the window's start
    this.window = new Float32Array(0); // input not yet turned into output
    this.out = new Int16Array(CHUNK);
    this.filled = 0;
    this.sumSquares = 0;
  }

  process(inputs) {
    const channels = inputs[0];
    if (!channels || channels.length === 0) return true;
    const frames = channels[0].length;
    const joined = new Float32Array(this.window.length + frames);
    joined.set(this.window);
    for (let i = 0; i < frames; i++) {
      let sum = 0;
      for (const channel of channels) sum += channel[i];
      joined[this.window.length + i] = sum / channels.length;
    }
    // Each output sample is the mean of the input samples around it: a box filter that keeps
    // what lies above 8 kHz from folding back into speech.
    const half = this.ratio / 2;
    while (this.position + half < joined.length) {
      const from = Math.max(0, Math.floor(this.position - half));
      const to = Math.min(joined.length, Math.ceil(this.position + half));
      let sum = 0;
      for (let i = from; i < to; i++) sum += joined[i];
      const value = Math.max(-1, Math.min(1, sum / Math.max(1, to - from)));
      this.sumSquares += value * value;
      this.out[this.filled++] = value < 0 ? value * 0x8000 : value * 0x7fff;
      if (this.filled === CHUNK) {
        const level = Math.min(1, Math.sqrt(this.sumSquares / CHUNK) * 4);
        this.port.postMessage({ pcm: this.out.buffer, level }, [this.out.buffer]);
        this.out = new Int16Array(CHUNK);
        this.filled = 0;
        this.sumSquares = 0;
      }
      this.position += this.ratio;
    }
    const keep = Math.max(0, Math.floor(this.position - half));
    this.window = joined.slice(keep);
    this.position -= keep;
    return true;
  }
}

registerProcessor('friendlite-recorder', Recorder);
