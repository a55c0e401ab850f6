import { dateTime, duration, fill, h, relativeDue } from './dom.js';
import { attempt, every } from './app.js';

export async function render(main, { api, id, signal }) {
  const path = `/api/conversations/${encodeURIComponent(id)}`;
  let conversation = await api('GET', path);

  const heading = h('h1', { tabindex: -1 });
  const facts = h('p', { class: 'facts' });
  const summary = h('p', { class: 'summary' });
  const player = h('audio', { controls: true, preload: 'metadata', 'data-test': 'player' });
  const transcript = h('ol', { class: 'transcript', 'data-test': 'transcript' });
  const memories = h('ul', { class: 'plain' });
  const items = h('ul', { class: 'plain' });
  const notice = h('p', { class: 'notice', role: 'status' });
  const reprocess = h('button', { type: 'button' }, 'Reprocess');
  const remove = h('button', { type: 'button', class: 'danger' }, 'Delete');

  main.append(
    h('p', {}, h('a', { href: '#/conversations' }, '← Conversations')),
    heading, facts, summary, player,
    h('div', { class: 'actions' }, reprocess, remove), notice,
    h('section', {}, h('h2', {}, 'Transcript'), transcript),
    h('section', {}, h('h2', {}, 'Memories'), memories),
    h('section', {}, h('h2', {}, 'Action items'), items));

  let shownSegments = -1;
  let following = false;
  function show(c) {
    heading.textContent = c.title || 'Untitled conversation';
    document.title = `${heading.textContent} · FriendLite`;
    fill(facts, [dateTime(new Date(c.started_at)), duration(c.duration_seconds), c.client_id,
      c.state === 'open' ? 'recording now' : c.state === 'failed' ? 'failed' : null].filter(Boolean).join(' · '));
    summary.textContent = c.summary ?? '';
    summary.hidden = !c.summary;
    if (c.audio_link && player.getAttribute('src') !== c.audio_link && !player.currentSrc) player.src = c.audio_link;
    player.hidden = !c.audio_link;
    if (c.transcript.length !== shownSegments) {
      shownSegments = c.transcript.length;
      fill(transcript, c.transcript.length === 0
        ? h('li', { class: 'muted' }, c.state === 'open' ? 'Listening… segments appear as they are transcribed.' : 'No transcript (yet).')
        : c.transcript.map(segment));
      highlight();
    }
    fill(memories, (c.memory_items ?? []).length === 0
      ? h('li', { class: 'muted' }, 'None.')
      : c.memory_items.map(m => h('li', {}, m.memory)));
    fill(items, (c.action_items ?? []).length === 0
      ? h('li', { class: 'muted' }, 'None.')
      : c.action_items.map(a => h('li', {},
        h('span', { class: a.status === 'completed' ? 'done' : '' }, a.description),
        a.due_date ? [' ', h('time', { datetime: a.due_date, class: 'due' }, relativeDue(new Date(a.due_date)))] : null)));
  }

  function segment(s) {
    return h('li', {}, h('button', {
      type: 'button',
      class: 'segment',
      'data-test': 'segment',
      'data-start': String(s.start),
      'data-end': String(s.end),
      onclick: () => {
        player.currentTime = s.start;
        player.play().catch(() => {});
      },
    }, h('span', { class: 'at' }, duration(s.start)), ' ', named(s.speaker) ? h('b', {}, `${s.speaker}: `) : null, s.text));
  }

  function highlight() {
    const t = player.currentTime;
    let playing = null;
    for (const button of transcript.querySelectorAll('[data-test="segment"]')) {
      const on = (!player.paused || t > 0) && t >= Number(button.dataset.start) && t < Number(button.dataset.end);
      button.toggleAttribute('aria-current', false);
      if (on && !playing) playing = button;
    }
    if (playing) {
      playing.setAttribute('aria-current', 'true');
      if (!player.paused) playing.scrollIntoView({ block: 'nearest' });
    }
  }

  player.addEventListener('timeupdate', highlight);
  player.addEventListener('seeked', highlight);

  reprocess.addEventListener('click', () => attempt(async () => {
    reprocess.disabled = true;
    try {
      const result = await api('POST', `${path}/reprocess`, { transcription: true, extraction: true });
      notice.textContent = result.message ?? 'Queued again: the transcript and its memories will be redone.';
      shownSegments = -1;
      following = true;
      budget = 40;
    } finally {
      reprocess.disabled = false;
    }
  }));

  remove.addEventListener('click', () => attempt(async () => {
    if (!confirm(`Delete "${heading.textContent}" with its audio, transcript, memories and action items?`)) return;
    await api('DELETE', path);
    location.hash = '#/conversations';
  }));

  show(conversation);
  // While it is recorded, transcribed or extracted, what it holds changes: follow it for a while
  // (a reprocess follows it again for two minutes).
  let budget = conversation.state === 'open' || !conversation.title ? 200 : 0;
  every(3000, signal, async () => {
    if (budget <= 0) return;
    budget--;
    conversation = await api('GET', path);
    show(conversation);
    if (conversation.state !== 'open' && conversation.title && !following) budget = 0;
  }, { immediately: false });
}

/** A speaker worth naming: not the default label a device's segments carry ("speaker_<client id>"). */
function named(speaker) {
  return Boolean(speaker) && !/^speaker(_|$)/.test(speaker);
}
