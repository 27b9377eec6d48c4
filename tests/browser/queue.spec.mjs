// Browser test of the queue's public pages in Debian's Chromium (playwright-core, no test
// runner). Started by tests/tests/queue_browser.rs, which runs the server in-process on a
// manual clock. Environment: KEIS_BASE_URL, KEIS_TOKEN (an operator device's session),
// KEIS_POSITION (the acting position), KEIS_OFFICE (default "demo"), KEIS_SCREENSHOTS=1 and
// KEIS_SCREENSHOT_DIR to save screenshots.
//
// Clock protocol on stdout/stdin: this script prints `advance <ms>` and waits for a line
// `ok` (the server's clock moved and the server ticked). Everything else goes to stderr.
// Exit status 0 = every check passed.

import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const BASE = process.env.KEIS_BASE_URL;
const TOKEN = process.env.KEIS_TOKEN;
const POSITION = process.env.KEIS_POSITION;
const OFFICE = process.env.KEIS_OFFICE || 'demo';
const SHOTS = process.env.KEIS_SCREENSHOTS === '1' ? (process.env.KEIS_SCREENSHOT_DIR || 'docs/screenshots') : null;
const CHROMIUM = process.env.KEIS_CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000;

const log = (...a) => console.error('[queue.spec]', ...a);

// --- the clock protocol ---
const stdin = createInterface({ input: process.stdin });
const replies = [];
const waiters = [];
stdin.on('line', (line) => (waiters.length ? waiters.shift()(line) : replies.push(line)));
function nextLine() {
  return new Promise((resolve) => (replies.length ? resolve(replies.shift()) : waiters.push(resolve)));
}
async function advance(ms) {
  process.stdout.write(`advance ${ms}\n`);
  const reply = await nextLine();
  if (reply.trim() !== 'ok') throw new Error(`the clock did not move: ${reply}`);
}

// --- the API, as the operator's console would call it ---
async function api(method, path, body, token) {
  const res = await fetch(BASE + path, {
    method,
    headers: Object.assign({ 'content-type': 'application/json' }, token ? { authorization: `Bearer ${token}` } : {}),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
const staff = (path, body) => api('POST', `/api/v1/queue/${OFFICE}${path}`, Object.assign({ position: POSITION }, body), TOKEN);

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  log('ok:', what);
}

async function rowStatus(page, number, status, what) {
  try {
    await page.waitForSelector(`#rows tr[data-number="${number}"][data-status="${status}"]`, { timeout: WAIT });
  } catch (e) {
    const rows = await page.$$eval('#rows tr', (trs) => trs.map((t) => `${t.dataset.number}:${t.dataset.status}`));
    throw new Error(`${what}: expected ${number} ${status}, the hall shows [${rows.join(', ')}]`);
  }
  log('ok:', what);
}

async function chimes(page) {
  return page.evaluate(() => window.keisChimes.slice());
}

/** Waits `ms` of real time: long enough for a stray repeated event to arrive. */
const settle = (ms) => new Promise((r) => setTimeout(r, ms));

async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `queue-${name}.png`), fullPage: true });
  log('screenshot', name);
}

async function main() {
  if (!BASE || !TOKEN || !POSITION) throw new Error('KEIS_BASE_URL, KEIS_TOKEN and KEIS_POSITION must be set');
  const profile = mkdtempSync(join(tmpdir(), 'keis-chromium-'));
  // A fresh profile every run (launchPersistentContext passes it as --user-data-dir).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    locale: 'uk-UA',
    timezoneId: 'Europe/Kyiv',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required',
    ],
  });
  try {
    await scenario(context);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

async function scenario(context) {
  const foreign = [];
  context.on('request', (r) => { if (!r.url().startsWith(BASE)) foreign.push(r.url()); });
  const pageErrors = [];
  const watch = (p, name) => {
    p.on('pageerror', (e) => pageErrors.push(`${name}: ${e.message}`));
    p.on('console', (m) => log(`${name} console:`, m.text()));
  };

  // The operator signs in at desk 1.
  await staff('/desks/1/sign-in', { name: 'Тестенко Оксана' });

  // A visitor takes a ticket at the kiosk (a click).
  const kiosk = await context.newPage();
  watch(kiosk, 'kiosk');
  await kiosk.goto(`${BASE}/queue/${OFFICE}/kiosk`);
  check((await kiosk.getAttribute('html', 'lang')) === 'uk', 'the kiosk page is in Ukrainian');
  await kiosk.waitForSelector('#services button[data-service="subsidy"]', { timeout: WAIT });
  await shot(kiosk, 'kiosk');
  await kiosk.click('#services button[data-service="subsidy"]');
  await kiosk.waitForSelector('#ticket:not([hidden])', { timeout: WAIT }).catch(async (e) => {
    throw new Error(`no ticket slip; the kiosk says «${await kiosk.textContent('#error')}»: ${e.message}`);
  });
  const first = (await kiosk.textContent('#slip-number')).trim();
  check(/^С-\d{3}$/.test(first), `the kiosk shows the ticket number (${first})`);
  check((await kiosk.textContent('#slip-ahead')).includes('0'), 'nobody is ahead of the first ticket');
  check((await kiosk.textContent('#slip-time')).includes('09:00'), 'the slip shows the local time of issue');
  await shot(kiosk, 'kiosk-ticket');

  // The hall display (a second page) shows it waiting.
  const hall = await context.newPage();
  watch(hall, 'hall');
  await hall.goto(`${BASE}/queue/${OFFICE}/hall`);
  await rowStatus(hall, first, 'waiting', 'the hall shows the new ticket waiting');
  await hall.waitForFunction(() => document.body.dataset.live === 'up', null, { timeout: WAIT });

  // Keyboard only: back to the start, Tab to the subsidy button, Enter.
  await kiosk.keyboard.press('Tab');
  let focused = await kiosk.evaluate(() => document.activeElement && document.activeElement.hasAttribute('data-home'));
  for (let i = 0; i < 5 && !focused; i++) {
    await kiosk.keyboard.press('Tab');
    focused = await kiosk.evaluate(() => document.activeElement && document.activeElement.hasAttribute('data-home'));
  }
  check(focused, 'the slip\'s «Готово» button is reachable with Tab');
  await kiosk.keyboard.press('Enter');
  await kiosk.waitForSelector('#start:not([hidden])', { timeout: WAIT });
  let onService = false;
  for (let i = 0; i < 20 && !onService; i++) {
    onService = await kiosk.evaluate(() => document.activeElement && document.activeElement.dataset.service === 'subsidy');
    if (!onService) await kiosk.keyboard.press('Tab');
  }
  check(onService, 'a service button is reachable with Tab');
  await kiosk.keyboard.press('Enter');
  await kiosk.waitForFunction((n) => {
    const s = document.getElementById('slip-number');
    return !document.getElementById('ticket').hidden && s.textContent.trim() !== n;
  }, first, { timeout: WAIT });
  const second = (await kiosk.textContent('#slip-number')).trim();
  check(/^С-\d{3}$/.test(second) && second !== first, `Tab/Enter issued a second ticket (${second})`);
  await rowStatus(hall, second, 'waiting', 'the hall shows the second ticket waiting');
  const ahead = await hall.textContent(`#rows tr[data-number="${second}"] td:last-child`);
  check(ahead.trim() === '1', `one ticket is ahead of the second (${ahead.trim()})`);
  check((await chimes(hall)).length === 0, 'no chime for the initial state or for new tickets');

  // The operator calls: the hall shows the call and chimes exactly once.
  const called = await staff('/desks/1/call-next', {});
  log('call-next →', JSON.stringify(called));
  await rowStatus(hall, first, 'called', 'the hall shows the call');
  await hall.waitForFunction(() => window.keisChimes.length >= 1, null, { timeout: WAIT });
  await settle(1500);
  const c1 = await chimes(hall);
  check(c1.length === 1, `the call chimed exactly once (${JSON.stringify(c1)})`);
  const said = await hall.evaluate(() => window.keisAnnouncements.slice());
  check(said.length === 1 && said[0].includes(first) && said[0].includes('вікно 1'), `the announcement names ticket and desk (${said})`);
  await shot(hall, 'hall');

  // A reload (a new SSE connection with ?after=) and a reconnect do not chime again.
  await hall.reload();
  await rowStatus(hall, first, 'called', 'after a reload the hall still shows the call');
  await hall.waitForFunction(() => document.body.dataset.live === 'up', null, { timeout: WAIT });
  await hall.evaluate(() => window.keisLive.reconnect());
  await hall.waitForFunction(() => document.body.dataset.live === 'up', null, { timeout: WAIT });
  await settle(1500);
  check((await chimes(hall)).length === 0, 'no chime again after a reload and a reconnect');

  // The desk monitor shows the called ticket and the operator.
  const desk = await context.newPage();
  watch(desk, 'desk');
  await desk.goto(`${BASE}/queue/${OFFICE}/desk/1`);
  await desk.waitForSelector(`#monitor[data-ticket="${first}"]`, { timeout: WAIT });
  check((await desk.textContent('#operator')).includes('Тестенко'), 'the desk monitor names the operator');
  await shot(desk, 'desk');

  // Nobody comes: after 3 minutes the ticket is postponed and the next one called.
  await advance(3 * 60 * 1000 + 1000);
  await rowStatus(hall, first, 'postponed', 'after 3 minutes the first ticket is postponed');
  await rowStatus(hall, second, 'called', 'and the second ticket is called');
  await hall.waitForFunction(() => window.keisChimes.length >= 1, null, { timeout: WAIT });
  await settle(1500);
  const c2 = await chimes(hall);
  check(c2.length === 1 && c2[0] > c1[0], `the automatic call chimed once more (${JSON.stringify(c2)})`);
  await desk.waitForSelector(`#monitor[data-ticket="${second}"]`, { timeout: WAIT });
  log('ok: the desk monitor follows the automatic call');

  // Pre-booking on the web form, then check-in at the kiosk with the booking number.
  const book = await context.newPage();
  watch(book, 'book');
  await book.goto(`${BASE}/queue/${OFFICE}/book`);
  await book.waitForSelector('#service option[value="subsidy"]', { state: 'attached', timeout: WAIT });
  await book.fill('#date', '2026-11-23');
  await book.dispatchEvent('#date', 'change');
  await book.waitForSelector('#slots input[name="slot"]', { timeout: WAIT });
  await book.locator('#slots input[name="slot"]').last().check();
  await book.fill('#name', 'Тестенко Оксана');
  await book.fill('#contact', '12');
  await book.click('#submit');
  check(/телефон/i.test(await book.textContent('#error')), 'the form asks for a phone or e-mail in Ukrainian');
  await book.fill('#contact', '067 123 45 67');
  await book.click('#submit');
  await book.waitForSelector('#done:not([hidden])', { timeout: WAIT }).catch(async (e) => {
    throw new Error(`no booking confirmation; the form says «${await book.textContent('#error')}»: ${e.message}`);
  });
  const bookingId = (await book.textContent('#d-id')).trim();
  check(/^\d+$/.test(bookingId) && /^\d{6}$/.test((await book.textContent('#d-code')).trim()), `the booking is confirmed with its number ${bookingId} and code`);
  await shot(book, 'book');

  await kiosk.goto(`${BASE}/queue/${OFFICE}/kiosk`);
  await kiosk.click('#to-checkin');
  await kiosk.fill('#booking-id', bookingId);
  await kiosk.press('#booking-id', 'Enter');
  await kiosk.waitForSelector('#ticket:not([hidden])', { timeout: WAIT }).catch(async (e) => {
    throw new Error(`no slip after check-in; the kiosk says «${await kiosk.textContent('#error')}»: ${e.message}`);
  });
  const booked = (await kiosk.textContent('#slip-number')).trim();
  check(/^С-\d{3}$/.test(booked) && booked !== first && booked !== second, `check-in at the kiosk issued ${booked}`);
  await rowStatus(hall, booked, 'waiting', 'the hall shows the booked visitor waiting');

  // The status lookup says only "not found" for an unknown case.
  const status = await context.newPage();
  watch(status, 'status');
  await status.goto(`${BASE}/status`);
  await status.fill('#number', 'НЕМАЄ-1');
  await status.fill('#code', '000000');
  await status.click('button[type="submit"]');
  await status.waitForSelector('#error:not([hidden])', { timeout: WAIT });
  const says = await status.textContent('#error');
  check(says.startsWith('Не знайдено') && (await status.isHidden('#result')), `an unknown case is just «не знайдено» (${says})`);

  // Many tickets: the hall pages through them («сторінка 1 з N»), called tickets first.
  for (let i = 0; i < 30; i++) await api('POST', `/api/v1/queue/${OFFICE}/tickets`, { service: 'documents' });
  const board = await context.newPage();
  watch(board, 'board');
  await board.setViewportSize({ width: 1024, height: 600 });
  await board.goto(`${BASE}/queue/${OFFICE}/hall?page_ms=1000`);
  await board.waitForFunction(() => /^сторінка 1 з \d+/.test(document.getElementById('pager').textContent), null, { timeout: WAIT });
  const pager = await board.textContent('#pager');
  const pages = Number(pager.match(/з (\d+)/)[1]);
  const shown = await board.$$eval('#rows tr', (trs) => trs.length);
  check(pages >= 3 && shown * pages >= 33 && shown * (pages - 1) < 33, `${shown} rows a page, ${pages} pages (${pager})`);
  check((await board.getAttribute('#rows tr:first-child', 'data-status')) === 'called', 'the called ticket is at the top of page 1');
  await board.waitForFunction(() => document.getElementById('pager').textContent.startsWith('сторінка 2 з'), null, { timeout: WAIT });
  log('ok: the pages rotate');

  check(foreign.length === 0, `no request leaves the server (${foreign.join(', ')})`);
  check(pageErrors.length === 0, `no script errors (${pageErrors.join('; ')})`);
}

main().then(
  () => { log('PASS'); process.exit(0); },
  (e) => { log('FAIL:', e && e.stack ? e.stack : e); process.exit(1); },
);
