#!/usr/bin/env node
// The web page in Debian's headless Chromium against the real AOT server with seeded data:
//   node tests/browser/run.mjs dist/linux-x64/friendlite-edge [--only WORD]
// One line per scenario, "ok   browser: NAME" or "FAIL browser: NAME: REASON" (.ci/run counts them),
// a screenshot of each page at desktop and phone width and of each failure in artifacts/screenshots/.
// Exit 0 when every scenario passed.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startServer } from './lib/server.mjs';
import { seed } from './lib/seed.mjs';
import { launch, openPage, screenshot, screenshotDir, reason, Watch, chromiumPath } from './lib/browser.mjs';
import { scenarios, finalChecks } from './scenarios.mjs';

const [binArg, ...rest] = process.argv.slice(2);
const only = rest[0] === '--only' ? rest[1] : undefined;
if (!binArg) {
  console.error('usage: node tests/browser/run.mjs BINARY [--only WORD]');
  process.exit(2);
}
const bin = resolve(binArg);
const scenarioTimeoutMs = 90_000;

let failed = 0;
const ok = name => console.log(`ok   browser: ${name}`);
const fail = (name, why) => { failed++; console.log(`FAIL browser: ${name}: ${why.replace(/\s+/g, ' ').trim()}`); };

async function main() {
  mkdirSync(screenshotDir, { recursive: true });
  for (const name of readdirSync(screenshotDir)) if (name.startsWith('FAILED-')) rmSync(join(screenshotDir, name)); // an earlier run's
  if (!existsSync(bin)) { fail('setup', `no binary at ${bin} (run ./build.sh first)`); return; }
  if (!existsSync(chromiumPath)) { fail('setup', `no Chromium at ${chromiumPath} (apt-get install chromium)`); return; }
  let server, browser;
  try {
    server = await startServer(bin);
    const data = await seed(server);
    const fixtures = server.fixtures;
    browser = await launch({ fakeAudio: `${fixtures}/jfk.wav` });
    const watch = new Watch(server.url);
    const selected = only ? scenarios.filter(([name]) => name.includes(only)) : scenarios;
    for (const [name, body] of selected) {
      const opened = [];
      const t = {
        server, data, watch,
        open: async (options = {}) => {
          const page = await openPage(browser, watch, name, options);
          opened.push(page);
          return page;
        },
      };
      const slug = name.split(':')[0].replace(/[^a-z0-9]+/gi, '-');
      try {
        let timer;
        const limit = new Promise((_, no) => { timer = setTimeout(() => no(new Error(`took longer than ${scenarioTimeoutMs / 1000} s`)), scenarioTimeoutMs); });
        await Promise.race([body(t), limit]).finally(() => clearTimeout(timer));
        ok(name);
      } catch (err) {
        const page = opened.findLast(p => !p.isClosed());
        let shot = '';
        if (page) shot = await screenshot(page, `FAILED-${slug}`).then(p => ` (screenshot ${p})`, () => '');
        fail(name, reason(err) + shot);
      } finally {
        for (const page of opened) await page.context().close().catch(() => {});
      }
    }
    for (const [name, body] of only ? [] : finalChecks) {
      try { await body({ watch }); ok(name); } catch (err) { fail(name, reason(err)); }
    }
  } catch (err) {
    fail('setup', `${reason(err)}${server ? `\n${server.log().split('\n').slice(-5).join('\n')}` : ''}`);
  } finally {
    await browser?.close().catch(() => {});
    await server?.stop().catch(() => {});
  }
  console.log(`screenshots: ${screenshotDir}`);
}

await main();
process.exit(failed === 0 ? 0 : 1);
