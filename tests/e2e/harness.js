// harness.js - what the browser tests stand on: a partnerd of our own on a free loopback port
// with a fresh store, a bearer-token client for arranging data behind the browser's back,
// and Debian's chromium driven by playwright-core with the flags this sandbox needs.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../..');
export const BIN = resolve(ROOT, process.env.PARTNERD_BIN || 'build/partnerd');
export const SHOTS = resolve(ROOT, process.env.SCREENSHOT_DIR || 'build/screenshots');

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

export async function startServer(extraArgs = []) {
  const dir = mkdtempSync(join(tmpdir(), 'partnerd-e2e-'));
  const port = await freePort();
  const proc = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--db', `sqlite:${dir}/e2e.db`,
    '--admin-email', 'admin@e2e.example', '--no-access-log', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { err += d; });
  const deadline = Date.now() + 10000;
  while (!/listening on/.test(out + err)) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`partnerd did not start:\n${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const password = (out.match(/password:\s+(\S+)/) || [])[1];
  const base = `http://127.0.0.1:${port}`;
  return {
    base, password, email: 'admin@e2e.example',
    stderr: () => err,
    async stop() {
      proc.kill('SIGTERM');
      const code = await new Promise((r) => (proc.exitCode !== null ? r(proc.exitCode) : proc.once('exit', (c) => r(c))));
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

// A REST client with a bearer token (the way an integrating developer calls partnerd).
export async function apiClient(base, username, password) {
  const r = await fetch(`${base}/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'password', username, password }) });
  const tok = await r.json();
  if (!tok.access_token) throw new Error(`token: ${JSON.stringify(tok)}`);
  return async (method, path, body, headers = {}) => {
    const res = await fetch(base + path, { method, headers: { Authorization: `Bearer ${tok.access_token}`, 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
  };
}

export async function launch() {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

// A page that records console errors, uncaught exceptions and any request that leaves
// partnerd's origin; `problems()` lists them (a test asserts it is empty).
export async function watchedPage(browser, base, opts = {}) {
  const context = await browser.newContext({ locale: opts.locale || 'en-US', viewport: opts.viewport || { width: 1280, height: 860 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const page = await context.newPage();
  const problems = [];
  page.setDefaultTimeout(10000);
  // Chromium also logs every 4xx answer as a console error ("Failed to load resource"); the
  // portal meets expected ones (a wrong password, a free domain's 404), so those are left
  // out here and 5xx answers and failed requests are recorded instead.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => { if (r.status() >= 500) problems.push(`server error: ${r.status()} ${r.url()}`); });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure() && r.failure().errorText}`));
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) problems.push(`external request: ${r.url()}`); });
  return { page, context, problems: () => problems };
}

export async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

// Every form control on the page has an accessible name (label, aria-label or labelledby).
export async function unlabelled(page) {
  return page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
    .filter((el) => !el.hidden && el.type !== 'hidden' && el.offsetParent !== null)
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby') && !(el.tagName === 'BUTTON' && el.textContent.trim()))
    .map((el) => el.outerHTML.slice(0, 120)));
}

// axe-core (npm, tests/e2e/package.json) run in the page; its serious and critical violations
// (an empty list passes).  Evaluated through the debugging protocol, so the portal's CSP stays
// as it is.
const AXE = readFileSync(resolve(here, 'node_modules/axe-core/axe.min.js'), 'utf8');
export async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  });
}

// Columns of the page wider than its window (horizontal scrolling), and controls that stick
// out of it: both lists are empty on a page that fits.
export async function overflow(page) {
  return page.evaluate(() => {
    const w = window.innerWidth;
    const out = [];
    const over = document.documentElement.scrollWidth - w;
    if (over > 0) out.push(`page scrolls by ${over}px`);
    for (const el of document.querySelectorAll('a, button, input, select, textarea, h1, td, th, .badge')) {
      if (el.offsetParent === null || el.closest('.sr-only, .skip')) continue;
      const r = el.getBoundingClientRect();
      if (r.width && (r.right > w + 1 || r.left < -1)) out.push(`${el.tagName.toLowerCase()}#${el.id || ''}.${el.className || ''} ${Math.round(r.left)}..${Math.round(r.right)} "${(el.textContent || el.value || '').slice(0, 30)}"`);
    }
    return out;
  });
}
