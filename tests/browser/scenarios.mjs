// What a person does with the page, one scenario each, selecting by the UI contract (roles, labels,
// data-test hooks). Each gets its own context and page; a thrown error is its failure reason.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { go, settled, screenshot, desktop, phone } from './lib/browser.mjs';
import { admin, user, seededMemory, seededAction, waitProcessed } from './lib/seed.mjs';
import { api } from './lib/server.mjs';

const h1 = (page, name) => page.getByRole('heading', { level: 1, name, exact: true });
const nav = page => page.locator('nav[aria-label="Main"]');
const navLink = (page, name) => nav(page).getByRole('link', { name, exact: true });

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Presses Tab until the focused element is the one asked for; the keyboard alone, as a person would. */
async function tabTo(page, locator, what) {
  for (let i = 0; i < 20; i++) {
    if (await locator.evaluate(el => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${what} cannot be reached with Tab (20 presses)`);
}

export const pages = [
  ['login', null], ['conversations', 'conversations'], ['conversation', c => `conversations/${c.conversationId}`],
  ['memories', 'memories'], ['actions', 'actions'], ['upload', 'upload'], ['record', 'record'], ['live', 'live'],
  ['system', 'system'], ['users', 'users'],
];

async function tour(t, viewport, suffix, perPage) {
  const problems = [];
  for (const [name, route] of pages) {
    // The user's own pages as the user sees them (an admin's memories and action items are their own, none here).
    const token = !route ? undefined : name === 'system' || name === 'users' ? t.data.adminToken : t.data.userToken;
    const page = await t.open({ token, viewport, label: `${name}-${suffix}` });
    try {
      if (route) await go(page, typeof route === 'function' ? route(t.data) : route);
      else { await page.goto('/#/login'); await h1(page, 'Sign in').waitFor(); }
      await page.locator('h1').first().waitFor();
      await screenshot(page, `${name}-${suffix}`);
      if (perPage) await perPage(page, name, problems);
    } finally {
      await page.context().close();
    }
  }
  check(problems.length === 0, problems.join('; '));
}

export const scenarios = [
  ['login: a wrong password shows an alert; the right one lands on Conversations', async t => {
    const page = await t.open({ expected: [/status of 400/] });
    await page.goto('/');
    await h1(page, 'Sign in').waitFor();
    check(!(await nav(page).isVisible()), 'the login page shows the main navigation');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    check((await alert.innerText()).trim() !== '', 'the alert after a wrong password is empty');
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await h1(page, 'Conversations').waitFor();
    check(new URL(page.url()).hash === '#/conversations', `signed in at ${page.url()}, not #/conversations`);
  }],

  ['keyboard: the login form is filled and submitted with the keyboard alone', async t => {
    const page = await t.open();
    await page.goto('/#/login');
    await h1(page, 'Sign in').waitFor();
    await tabTo(page, page.getByLabel('Email'), 'the Email field');
    await page.keyboard.type(user.email);
    await page.keyboard.press('Tab');
    check(await page.getByLabel('Password').evaluate(el => el === document.activeElement), 'Tab from Email does not reach Password');
    await page.keyboard.type(user.password);
    await page.keyboard.press('Enter');
    await h1(page, 'Conversations').waitFor();
  }],

  ['conversation: the seeded conversation opens from the list with its transcript and player', async t => {
    const { conversation, conversationId } = t.data;
    // The stand-in ASR's sentences give the local extractor a title, memories and an action item.
    check(conversation.title, 'the seeded conversation was extracted without a title');
    const title = conversation.title;
    const page = await t.open({ token: t.data.userToken });
    await go(page, 'conversations');
    const item = page.locator('li[data-test="conversation"]').filter({ has: page.locator(`a[href="#/conversations/${conversationId}"]`) });
    await item.waitFor();
    check((await item.innerText()).includes(title), `the list item does not show the title "${title}"`);
    await item.getByRole('link').first().click();
    await h1(page, title).waitFor();
    await settled(page);
    const segments = page.locator('[data-test="transcript"] [data-test="segment"]');
    check(await segments.count() === conversation.transcript.length, `${await segments.count()} segments shown, the API has ${conversation.transcript.length}`);
    check(await page.locator('audio[data-test="player"]').getAttribute('src'), 'the player has no src (GET /api/conversations/{id} gave no audio_link?)');
    for (const name of ['Memories', 'Action items']) await page.getByRole('heading', { level: 2, name }).waitFor();
    const text = await page.locator('main').innerText();
    check(text.includes(conversation.transcript[0].text), `the first segment's words "${conversation.transcript[0].text}" are not shown`);
    for (const m of conversation.memory_items) check(text.includes(m.memory), `its memory "${m.memory}" is not shown`);
    for (const a of conversation.action_items) check(text.includes(a.description), `its action item "${a.description}" is not shown`);
  }],

  ['audio: plays, seeks with Range requests (206), a clicked segment plays from its start and is aria-current', async t => {
    const id = t.data.conversationId;
    const page = await t.open({ token: t.data.userToken });
    const partial = [];
    page.on('response', r => { if (r.status() === 206) partial.push(r.url()); });
    await go(page, `conversations/${id}`);
    const player = page.locator('audio[data-test="player"]');
    check(await player.getAttribute('src'), 'the player has no src (GET /api/conversations/{id} gave no audio_link?)');
    await player.evaluate(a => { a.play().catch(() => {}); }); // play() waits for the media; the wait below bounds it
    await page.waitForFunction(() => document.querySelector('audio[data-test="player"]').currentTime > 0)
      .catch(async () => { throw new Error(`the player does not play: ${await player.evaluate(a => `error ${a.error?.code ?? 'none'}, readyState ${a.readyState}, networkState ${a.networkState}`)}`); });
    const at = await player.evaluate(a => new Promise(ok => {
      a.addEventListener('seeked', () => ok(a.currentTime), { once: true });
      a.currentTime = Math.min(6, a.duration - 1);
    }));
    check(at >= 5, `after seeking to 6 s the player is at ${at} s`);
    check(partial.length > 0, 'the player fetched no range of the audio (no 206 response)');
    const segments = page.locator('[data-test="segment"]');
    const n = await segments.count();
    check(n > 0, 'no transcript segment to click');
    const index = n > 1 ? 1 : 0; // the second segment: a jump back from 6 s to a start that is not 0
    const segment = segments.nth(index);
    const start = Number(await segment.getAttribute('data-start'));
    const end = Number(await segment.getAttribute('data-end'));
    await segment.click();
    await page.waitForFunction(([i, s, e]) => {
      const t = document.querySelector('audio[data-test="player"]').currentTime;
      const clicked = document.querySelectorAll('[data-test="segment"]')[i];
      return clicked.getAttribute('aria-current') === 'true' && t >= s - 0.05 && t <= e + 0.25;
    }, [index, start, end], { timeout: 5_000 }).catch(async () => {
      const [t, current] = await player.evaluate(a => [a.currentTime,
        [...document.querySelectorAll('[data-test="segment"][aria-current="true"]')].map(b => b.dataset.start)]);
      throw new Error(`after clicking the segment ${start}-${end} s the player is at ${t} s and the aria-current segment starts at ${current.join(', ') || 'none'}`);
    });
    check(!(await player.evaluate(a => a.paused)), 'the player is paused after a segment was clicked');
  }],

  ['memories: "green tea" finds the memory, "dentist" finds the action item', async t => {
    const page = await t.open({ token: t.data.userToken });
    await go(page, 'memories');
    const search = page.getByRole('searchbox', { name: 'Search memories' });
    await search.fill('green tea');
    await page.locator('li[data-test="memory"]').filter({ hasText: seededMemory }).waitFor();
    await search.fill('dentist');
    await page.locator('li[data-test="memory"][data-kind="action_item"]').filter({ hasText: seededAction }).waitFor();
    await page.locator('li[data-test="memory"]').filter({ hasText: seededMemory }).waitFor({ state: 'detached' });
  }],

  ['action items: marked done, still completed after a reload', async t => {
    const page = await t.open({ token: t.data.userToken });
    await go(page, 'actions');
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    const item = page.locator('li[data-test="action-item"]').filter({ hasText: seededAction });
    await item.waitFor();
    const due = item.locator('time');
    check(await due.getAttribute('datetime'), 'the due date has no <time datetime>');
    check((await due.innerText()).includes('10:00'), `the due date reads "${await due.innerText()}", not its time 10:00`);
    const saved = page.waitForResponse(r => r.request().method() === 'PATCH' && r.url().includes('/api/action-items/'));
    await item.getByRole('checkbox').click(); // not check(): the item leaves the list once saved
    check((await saved).ok(), `the PATCH answered ${(await saved).status()}`);
    await item.waitFor({ state: 'detached' });
    await page.reload();
    await settled(page);
    await page.getByRole('button', { name: 'Completed', exact: true }).click();
    const done = page.locator('li[data-test="action-item"]').filter({ hasText: seededAction });
    await done.waitFor();
    check(await done.getByRole('checkbox').isChecked(), 'after the reload the item is listed as completed but not checked');
  }],

  ['upload: a WAV uploaded on the page appears in Conversations', async t => {
    const page = await t.open({ token: t.data.userToken });
    await go(page, 'upload');
    await page.getByLabel('WAV files').setInputFiles(join(t.server.fixtures, 'conversation-3utt.wav'));
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const row = page.locator('li[data-test="upload"]').filter({ hasText: 'conversation-3utt.wav' });
    const open = row.getByRole('link', { name: 'Open conversation' });
    await open.waitFor({ timeout: 30_000 });
    const href = await open.getAttribute('href');
    check(/^#\/conversations\/.+/.test(href), `"Open conversation" links to ${href}`);
    await go(page, 'conversations');
    await page.locator(`li[data-test="conversation"] a[href="${href}"]`).waitFor();
  }],

  ['reprocess and delete: a conversation is queued again, then deleted after the confirm dialog and gone from the list', async t => {
    const client = api(t.server, t.data.userToken);
    const uploaded = await client.upload(join(t.server.fixtures, 'jfk.wav'), 'to-delete.wav');
    const id = uploaded.files[0].conversation_id;
    check(id, `the upload made no conversation: ${JSON.stringify(uploaded.files[0])}`);
    await waitProcessed(client, api(t.server, t.data.adminToken), id);
    const page = await t.open({ token: t.data.userToken });
    const dialogs = [];
    page.on('dialog', dialog => { dialogs.push(dialog.message()); dialog.accept(); });
    const transcribeJobs = async () => (await api(t.server, t.data.adminToken).get('/api/jobs?kind=transcribe&limit=1000')).jobs
      .filter(j => j.conversation_id === id).map(j => j.id);
    const before = await transcribeJobs();
    await go(page, `conversations/${id}`);
    await page.getByRole('button', { name: 'Reprocess', exact: true }).click();
    const notice = page.locator('p.notice[role="status"]');
    await notice.filter({ hasText: /\S/ }).waitFor();
    const queued = (await transcribeJobs()).filter(j => !before.includes(j));
    check(queued.length > 0, `Reprocess queued no new transcribe job (before: ${before.join(',')})`);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await h1(page, 'Conversations').waitFor();
    check(dialogs.length === 1 && dialogs[0].startsWith('Delete'), `the confirm dialog was ${JSON.stringify(dialogs)}`);
    await settled(page);
    check(await page.locator(`a[href="#/conversations/${id}"]`).count() === 0, 'the deleted conversation is still listed');
    const gone = await fetch(`${t.server.url}/api/conversations/${id}`, { headers: { Authorization: `Bearer ${t.data.userToken}` } });
    check(gone.status === 404, `GET of the deleted conversation answered ${gone.status}, not 404`);
  }],

  ['live: a loadgen device appears while it streams and leaves when it is done', async t => {
    const page = await t.open({ token: t.data.userToken });
    await go(page, 'live');
    const ws = t.server.url.replace(/^http/, 'ws');
    const loadgen = spawn(t.server.bin, ['loadgen', '--url', `${ws}/ws_pcm`, '--audio', join(t.server.fixtures, 'jfk.wav'),
      '--duration', '8s', '--device-name', 'browser-live'], { env: { ...process.env, FRIENDLITE_TOKEN: t.data.userToken }, stdio: 'ignore' });
    const exited = new Promise(ok => loadgen.on('exit', code => ok(code)));
    try {
      const row = page.locator('tr[data-test="device"]').filter({ hasText: 'browser-live' });
      await row.waitFor({ timeout: 7_000 });
      const client = await row.getAttribute('data-client-id');
      check(client, 'the device row has no data-client-id');
      await screenshot(page, 'live-device-desktop');
      check(await exited === 0, 'loadgen exited with errors');
      await page.locator(`tr[data-test="device"][data-client-id="${client}"]`).waitFor({ state: 'detached', timeout: 10_000 });
      await page.getByText('No devices connected.').waitFor();
    } finally {
      loadgen.kill('SIGINT');
    }
  }],

  ['record: the fake microphone records, the level moves, a live segment arrives, its conversation appears', async t => {
    const page = await t.open({ token: t.data.userToken, permissions: ['microphone'] });
    await go(page, 'record');
    const status = page.locator('[data-test="record-status"]');
    await page.getByRole('button', { name: 'Start recording' }).click();
    await status.filter({ hasText: /^Recording as \S*web-/ }).waitFor();
    // The device name the page chose; the status shows it, then the client id the server made of it.
    const client = (await status.innerText()).match(/web-[A-Za-z0-9]+/)[0];
    // Polled every frame, so any chunk's level counts. (A meter at 0 with audio arriving means the
    // fake microphone plays silence: Chromium does that when it refuses the capture file's path.)
    await page.waitForFunction(() => Number(document.querySelector('meter').value) > 0, null, { timeout: 10_000 })
      .catch(() => { throw new Error('the Level meter stayed at 0 for 10 s of recording'); });
    await screenshot(page, 'record-recording-desktop');
    // Record until the first of the fixture's sentences comes back transcribed, as the page shows it live.
    await page.locator('[data-test="live-transcript"] li').first().waitFor({ timeout: 30_000 })
      .catch(() => { throw new Error('no live transcript segment within 30 s of recording speech'); });
    await page.getByRole('button', { name: 'Stop recording' }).click();
    await page.getByRole('button', { name: 'Start recording' }).waitFor();
    check(!/^Recording/.test(await status.innerText()), `after Stop the status still says "${await status.innerText()}"`);
    const item = page.locator('li[data-test="conversation"]').filter({ hasText: client });
    for (let deadline = Date.now() + 30_000; ;) {
      await go(page, 'conversations');
      if (await item.count() > 0) break;
      check(Date.now() < deadline, `no conversation of ${client} in the list 30 s after the recording stopped`);
      await page.waitForTimeout(1_000);
    }
  }],

  ['non-admin: no System or Users links; #/system and #/users say "Not allowed"', async t => {
    const page = await t.open({ token: t.data.userToken });
    await go(page, 'conversations');
    for (const name of ['Conversations', 'Memories', 'Action items', 'Upload', 'Record', 'Live']) await navLink(page, name).waitFor();
    for (const name of ['System', 'Users']) check(await navLink(page, name).count() === 0, `a normal user sees the ${name} link`);
    for (const route of ['system', 'users']) {
      await go(page, route);
      await h1(page, 'Not allowed').waitFor();
      check(await page.locator('[data-test="job"], [data-test="user"]').count() === 0, `#/${route} shows data to a normal user`);
    }
  }],

  ['admin: System and Users pages show data; a user created on the Users page is listed', async t => {
    const page = await t.open({ token: t.data.adminToken });
    await go(page, 'conversations');
    await navLink(page, 'System').click();
    await h1(page, 'System').waitFor();
    await settled(page);
    for (const name of ['Health', 'Transcription', 'Jobs', 'Resources']) await page.getByRole('heading', { level: 2, name }).waitFor();
    await page.locator('tr[data-test="job"]').first().waitFor();
    await navLink(page, 'Users').click();
    await h1(page, 'Users').waitFor();
    await settled(page);
    for (const email of [admin.email, user.email]) await page.locator(`tr[data-test="user"][data-email="${email}"]`).waitFor();
    await page.getByLabel('Email').fill('carol@example.com');
    await page.getByLabel('Password').fill('carol password 1');
    await page.getByLabel('Display name').fill('Carol');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.locator('tr[data-test="user"][data-email="carol@example.com"]').waitFor();
  }],

  ['screenshots: every page at 1280x800', t => tour(t, desktop, 'desktop')],

  ['phone: no page scrolls sideways at 360x740', t => tour(t, phone, 'phone', async (page, name, problems) => {
    const { width, culprits } = await page.evaluate(() => {
      const limit = document.documentElement.clientWidth;
      const name = el => el.tagName.toLowerCase() + (el.id ? `#${el.id}` : '') + [...el.classList].map(c => `.${c}`).join('');
      const wide = [...document.querySelectorAll('body *')].filter(el => el.getBoundingClientRect().right > limit + 0.5);
      // the innermost elements that stick out name the cause; their ancestors only carry them
      const innermost = wide.filter(el => !wide.some(other => other !== el && el.contains(other)));
      return { width: document.documentElement.scrollWidth, culprits: innermost.slice(0, 3).map(el => `${name(el)} to ${Math.round(el.getBoundingClientRect().right)} px`) };
    });
    if (width > phone.width) problems.push(`${name} is ${width} px wide: ${culprits.join(', ')} (artifacts/screenshots/${name}-phone.png)`);
  })],
];

/** Run last: what every page of every scenario above logged and requested. */
export const finalChecks = [
  ['CSP: no console error, uncaught exception or CSP violation on any page', t => {
    check(t.watch.errors.length === 0, [...new Set(t.watch.errors)].slice(0, 5).join(' | '));
  }],
  ['offline: no request left the server', t => {
    const strays = t.watch.strays();
    check(t.watch.requests.length > 0, 'no request was recorded at all');
    check(strays.length === 0, [...new Set(strays.map(s => `${s.scenario}: ${s.url}`))].slice(0, 5).join(' | '));
  }],
];
