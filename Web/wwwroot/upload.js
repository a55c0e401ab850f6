import { bytes, duration, h } from './dom.js';
import { upload } from './api.js';

export function render(main) {
  const input = h('input', { id: 'wav-files', type: 'file', multiple: true, accept: '.wav,audio/wav,audio/x-wav,audio/wave' });
  const button = h('button', { type: 'submit' }, 'Upload');
  const list = h('ul', { class: 'uploads' });
  const form = h('form', { class: 'card' },
    h('label', { for: 'wav-files' }, 'WAV files'), input,
    h('p', { class: 'muted' }, 'PCM or float WAV, any rate, mono or stereo. Each file becomes a conversation: transcribed, then turned into memories.'),
    button);
  main.append(h('h1', { tabindex: -1 }, 'Upload'), form, list);

  form.addEventListener('submit', async event => {
    event.preventDefault();
    const files = [...input.files];
    if (files.length === 0) return;
    button.disabled = true;
    // One request per file, one after the other: each gets its own progress and its own answer.
    for (const file of files) {
      const progress = h('progress', { max: 1, value: 0, 'aria-label': `Upload of ${file.name}` });
      const state = h('span', { class: 'state' }, 'uploading');
      const row = h('li', { 'data-test': 'upload' }, h('span', { class: 'name' }, file.name), ` ${bytes(file.size)} `, progress, ' ', state);
      list.prepend(row);
      try {
        const answer = await upload(file, share => { progress.value = share; });
        progress.value = 1;
        const result = answer.files?.[0];
        if (result?.status === 'processed') {
          state.textContent = `processed: ${duration(result.duration_seconds)}, transcribing`;
          row.append(' ', h('a', { href: `#/conversations/${encodeURIComponent(result.conversation_id)}` }, 'Open conversation'));
        } else {
          state.textContent = result?.error ?? 'not processed';
          row.classList.add('failed');
        }
      } catch (error) {
        state.textContent = error.message;
        row.classList.add('failed');
      }
    }
    input.value = '';
    button.disabled = false;
  });
}
