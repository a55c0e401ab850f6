// The data every scenario starts from, made through the CLI and the API as a user would make it.
import { join } from 'node:path';
import { api } from './server.mjs';

export const admin = { email: 'admin@example.com', password: 'admin password 1', name: 'Ann Admin' };
export const user = { email: 'user@example.com', password: 'user password 1', name: 'Bob User' };
export const seededMemory = 'User likes green tea with honey';
export const seededAction = 'Call the dentist';

/** The coming Friday (never today) at 10:00 in this machine's zone, ISO 8601 with its offset. */
export function nextFridayAtTen(now = new Date()) {
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate(), 10, 0, 0);
  d.setDate(d.getDate() + (((5 - d.getDay()) + 7) % 7 || 7));
  const off = -d.getTimezoneOffset();
  const pad = n => String(Math.abs(n)).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T10:00:00${off < 0 ? '-' : '+'}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
}

/**
 * Polls until the conversation has its transcript and every job of it (transcription, then the
 * extraction) is done. The finished extract job is the sign, not a title: with the Whisper test
 * model (transcriber 'whisper') the text means nothing and the title stays null.
 */
export async function waitProcessed(client, adminClient, id, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last, jobs = [];
  while (Date.now() < deadline) {
    last = await client.get(`/api/conversations/${id}`);
    jobs = (await adminClient.get('/api/jobs?limit=1000')).jobs.filter(j => j.conversation_id === id);
    if (last.transcript?.length > 0 && jobs.some(j => j.kind === 'extract') && jobs.every(j => j.state === 'done')) return last;
    await new Promise(ok => setTimeout(ok, 250));
  }
  throw new Error(`conversation ${id} was not transcribed and extracted in ${timeoutMs / 1000} s: ` +
    `${last?.transcript?.length ?? 0} segments, jobs ${jobs.map(j => `${j.kind}:${j.state}`).join(',') || 'none'}`);
}

export async function seed(server) {
  await server.addUser(admin.email, admin.password, { admin: true, displayName: admin.name });
  await server.addUser(user.email, user.password, { displayName: user.name });
  const adminToken = await server.login(admin.email, admin.password);
  const userToken = await server.login(user.email, user.password);
  const client = api(server, userToken);
  const uploaded = await client.upload(join(server.fixtures, 'jfk.wav'), 'jfk.wav');
  const file = uploaded.files[0];
  if (file.status !== 'processed') throw new Error(`seed upload of jfk.wav: ${JSON.stringify(file)}`);
  const conversation = await waitProcessed(client, api(server, adminToken), file.conversation_id);
  const memory = await client.post('/api/memories', { content: seededMemory });
  const dueDate = nextFridayAtTen();
  const action = await client.post('/api/action-items', { description: seededAction, due_date: dueDate });
  return { adminToken, userToken, conversationId: file.conversation_id, conversation, memory, action: action.action_item, dueDate };
}
