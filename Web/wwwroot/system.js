import { bytes, dateTime, duration, fill, h, labelCells } from './dom.js';
import { attempt, every } from './app.js';

const JOB_STATES = ['', 'pending', 'running', 'failed', 'cancelled', 'done'];

export function render(main, { api, signal }) {
  const health = h('dl', { class: 'grid' });
  const transcription = h('dl', { class: 'grid' });
  const resources = h('dl', { class: 'grid' });
  const jobs = h('tbody');
  const filter = h('select', { id: 'job-state' }, JOB_STATES.map(s => h('option', { value: s }, s || 'any state')));
  const overall = h('p', { class: 'status' });
  let jobTable;
  main.append(
    h('h1', { tabindex: -1 }, 'System'), overall,
    h('section', {}, h('h2', {}, 'Health'), health),
    h('section', {}, h('h2', {}, 'Transcription'), transcription),
    h('section', {}, h('h2', {}, 'Jobs'),
      h('p', {}, h('label', { for: 'job-state' }, 'Show '), filter),
      h('div', { class: 'scroll' }, jobTable = h('table', { class: 'stack' },
        h('thead', {}, h('tr', {}, ['Job', 'Kind', 'State', 'Attempts', 'Conversation', 'Updated', 'Last error', ''].map(t => h('th', { scope: 'col' }, t)))),
        jobs))),
    h('section', {}, h('h2', {}, 'Resources'), resources));

  function pairs(list, entries) {
    fill(list, entries.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  }

  async function load() {
    const [status, debug, jobList] = await Promise.all([
      fetch('/health').then(r => r.json()),
      api('GET', '/api/debug/sessions'),
      api('GET', `/api/jobs?limit=50${filter.value ? `&state=${filter.value}` : ''}`),
    ]);
    overall.textContent = `Server ${status.status}, version ${status.version}, up ${duration(status.uptime_seconds)}`;
    overall.className = `status ${status.status}`;
    pairs(health, Object.entries(status.components).map(([name, c]) =>
      [name, h('span', {}, h('span', { class: `badge ${c.status}` }, c.status), c.detail ? ` ${c.detail}` : '')]));
    const a = status.activity;
    const t = debug.transcription;
    pairs(transcription, [
      ['engine', t.engine],
      ['queued in memory', String(t.queued)],
      ['running', String(t.running)],
      ['done since start', String(t.completed)],
      ['durable jobs waiting', String(t.jobs_pending)],
      ['extractions waiting', String(a.extractions_pending ?? 0)],
      ['devices', String(a.devices)],
      status.limits.recording_paused ? ['recording', 'paused: the disk is nearly full'] : null,
    ]);
    const c = debug.counts;
    pairs(resources, [
      c.rss_bytes !== undefined ? ['memory (RSS)', bytes(c.rss_bytes)] : null,
      ['managed heap', bytes(c.managed_heap_bytes)],
      ['threads', String(c.threads)],
      ['open files', String(c.open_fds)],
      ['task groups', String(c.live_groups)],
      ['connections open', String(debug.connections.open)],
      ['disk free', bytes(status.limits.disk_free_bytes)],
    ]);
    fill(jobs, jobList.jobs.length === 0
      ? h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'No jobs.'))
      : jobList.jobs.map(job));
    labelCells(jobTable);
  }

  function job(j) {
    const retry = j.state === 'failed' || j.state === 'cancelled'
      ? h('button', { type: 'button', onclick: () => attempt(async () => { await api('POST', `/api/jobs/${j.id}/retry`); await load(); }) }, 'Retry')
      : null;
    return h('tr', { 'data-test': 'job', 'data-state': j.state },
      h('td', {}, String(j.id)), h('td', {}, j.kind), h('td', {}, h('span', { class: `badge ${j.state}` }, j.state)),
      h('td', {}, `${j.attempts}/${j.max_attempts}`),
      h('td', {}, j.conversation_id ? h('a', { href: `#/conversations/${encodeURIComponent(j.conversation_id)}` }, `#${j.conversation_id.slice(0, 8)}`) : '–'),
      h('td', {}, dateTime(new Date(j.updated_at))),
      h('td', { class: 'error-text' }, j.last_error ?? ''),
      h('td', {}, retry));
  }

  filter.addEventListener('change', () => attempt(load));
  return every(5000, signal, load);
}
