// Debian's Chromium driven by playwright-core (never a downloaded browser), one page per scenario,
// and what every page did: console errors, uncaught exceptions, CSP violations and each request's URL.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './server.mjs';

export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
export const screenshotDir = join(repoRoot, 'artifacts', 'screenshots');
export const desktop = { width: 1280, height: 800 };
export const phone = { width: 360, height: 740 };
export const tokenKey = 'friendlite.token';

// Without the background-networking flags Chromium keeps calling home, which this closed network refuses.
const quiet = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-default-apps', '--disable-extensions', '--metrics-recording-only', '--mute-audio'];

/** playwright's launch gives every browser a new empty --user-data-dir of its own. */
export async function launch({ fakeAudio } = {}) {
  const args = [...quiet];
  if (fakeAudio) {
    args.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${fakeAudio}`,
      '--autoplay-policy=no-user-gesture-required');
  }
  return chromium.launch({ executablePath: chromiumPath, headless: true, args });
}

/**
 * Everything the pages of one run did, for the CSP and offline checks. `expected` is what a scenario
 * provokes on purpose (a wrong password's 400 is logged by Chromium as a failed resource load).
 */
export class Watch {
  constructor(origin) {
    this.origin = origin;
    this.errors = [];
    this.requests = [];
  }

  allowedUrl(url) {
    const ws = this.origin.replace(/^http:/, 'ws:');
    return url.startsWith(`${this.origin}/`) || url.startsWith(`${ws}/`) || url.startsWith('blob:') || url.startsWith('data:');
  }

  attach(page, scenario, expected = []) {
    const where = () => `${scenario} at ${page.url().replace(this.origin, '')}`;
    page.on('console', m => {
      if (m.type() !== 'error') return;
      if (expected.some(re => re.test(m.text()))) return;
      const from = m.location()?.url ? ` (${m.location().url.replace(this.origin, '')})` : '';
      this.errors.push(`${where()}: console error: ${m.text()}${from}`);
    });
    page.on('pageerror', e => this.errors.push(`${where()}: uncaught ${e.name}: ${e.message}`));
    page.on('request', r => this.requests.push({ url: r.url(), scenario }));
    page.on('websocket', w => this.requests.push({ url: w.url(), scenario }));
  }

  strays() {
    return this.requests.filter(r => !this.allowedUrl(r.url));
  }
}

/**
 * A new context (its own cookies, storage and cache) and page for one scenario. With a token the
 * page starts signed in, as after a login in that tab (sessionStorage, as the page keeps it).
 */
export async function openPage(browser, watch, scenario, { token, viewport = desktop, expected, permissions } = {}) {
  const context = await browser.newContext({ viewport, baseURL: watch.origin, permissions });
  context.setDefaultTimeout(10_000);
  await context.addInitScript(([key, value]) => {
    document.addEventListener('securitypolicyviolation', e =>
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile || ''}:${e.lineNumber || ''})`));
    if (value && !sessionStorage.getItem(key)) sessionStorage.setItem(key, value);
  }, [tokenKey, token ?? null]);
  const page = await context.newPage();
  watch.attach(page, scenario, expected);
  return page;
}

/** Navigates to a hash route and waits until <main> is no longer busy. */
export async function go(page, route) {
  await page.goto(`/#/${route}`);
  await settled(page);
}

export async function settled(page) {
  await page.locator('main:not([aria-busy="true"])').waitFor({ timeout: 15_000 });
}

export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A Playwright error in one line: its first line and what it was waiting for. */
export function reason(err) {
  const text = String(err?.message ?? err).replace(/\u001b\[[0-9;]*m/g, '');
  const first = text.split('\n')[0].replace(/^(locator|page|frame)\.\w+: /, '');
  const waiting = text.match(/waiting for (.*)/);
  return waiting && !first.includes(waiting[1]) ? `${first} (waiting for ${waiting[1]})` : first;
}
