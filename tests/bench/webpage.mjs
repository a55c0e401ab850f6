#!/usr/bin/env node
// What the web page costs to load, measured in Debian's headless Chromium against the real AOT server
// with the browser tests' seeded data (npm ci --prefix tests/browser first):
//   node tests/bench/webpage.mjs dist/linux-x64/friendlite-edge [--runs 5]
// For a signed-in tab opening #/conversations: the bytes on the wire (CDP Network.loadingFinished
// encodedDataLength: headers and bodies as sent, compressed when the server compressed them), the
// DOMContentLoaded and load times and the time until the first conversation of the list is visible,
// with an empty cache and then on a reload. Each the median of --runs fresh contexts, unthrottled and
// as a stand-in for a Pi 4 over Wi-Fi: 20 Mbit/s down, 10 up, 20 ms RTT and the CPU 4x slower.
import { startServer } from '../browser/lib/server.mjs';
import { seed } from '../browser/lib/seed.mjs';
import { launch, tokenKey } from '../browser/lib/browser.mjs';

const args = process.argv.slice(2);
const bin = args[0];
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 5;
if (!bin || !(runs > 0)) {
  console.error('usage: node tests/bench/webpage.mjs BINARY [--runs N]');
  process.exit(2);
}

const conditions = [
  { name: 'unthrottled' },
  { name: 'Wi-Fi, CPU / 4', network: { offline: false, latency: 20, downloadThroughput: 20e6 / 8, uploadThroughput: 10e6 / 8 }, cpu: 4 },
];

/** One load (goto or reload) measured in the page and on the wire. */
async function measure(page, cdp, navigate) {
  let bytes = 0, requests = 0;
  const onFinished = e => { bytes += e.encodedDataLength; requests++; };
  cdp.on('Network.loadingFinished', onFinished);
  await navigate();
  await page.waitForFunction(() => window.__listVisibleAt !== undefined, null, { timeout: 30_000 });
  await page.waitForLoadState('networkidle');
  cdp.off('Network.loadingFinished', onFinished);
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return { dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, list: window.__listVisibleAt };
  });
  return { bytes, requests, ...timing };
}

async function once(browser, base, token, condition) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(([key, value]) => {
    sessionStorage.setItem(key, value);
    const seen = () => {
      const item = document.querySelector('li[data-test="conversation"]');
      if (item && item.getClientRects().length > 0 && window.__listVisibleAt === undefined) window.__listVisibleAt = performance.now();
    };
    new MutationObserver(seen).observe(document, { childList: true, subtree: true, attributes: true });
  }, [tokenKey, token]);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  if (condition.network) await cdp.send('Network.emulateNetworkConditions', condition.network);
  if (condition.cpu) await cdp.send('Emulation.setCPUThrottlingRate', { rate: condition.cpu });
  const first = await measure(page, cdp, () => page.goto(`${base}/#/conversations`));
  const reload = await measure(page, cdp, () => page.reload());
  await context.close();
  return { first, reload };
}

const median = xs => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const kb = n => `${(n / 1024).toFixed(1)} KiB`;
const ms = n => `${Math.round(n)} ms`;

const server = await startServer(bin);
let browser;
try {
  const data = await seed(server);
  browser = await launch();
  const rows = [];
  for (const condition of conditions) {
    const samples = [];
    for (let i = 0; i < runs; i++) samples.push(await once(browser, server.url, data.userToken, condition));
    for (const which of ['first', 'reload']) {
      const of = key => median(samples.map(s => s[which][key]));
      rows.push([condition.name, which === 'first' ? 'empty cache' : 'reload', kb(of('bytes')), String(of('requests')), ms(of('dcl')), ms(of('load')), ms(of('list'))]);
    }
  }
  const head = ['condition', 'load', 'transferred', 'requests', 'DOMContentLoaded', 'load event', 'list visible'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
  const line = r => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`web page, #/conversations signed in, median of ${runs} runs (Chromium ${browser.version()})`);
  console.log(line(head));
  for (const r of rows) console.log(line(r));
} finally {
  await browser?.close();
  await server.stop();
}
