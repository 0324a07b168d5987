// Drives the built-in web page in headless Chromium (Debian's package, through
// playwright-core) against the real daemon and fake CRMs that tests/e2e/test_web.py
// started. Reads its setup from $CRM_WEB_TEST (JSON, below); prints one line per step;
// exits 1 with the reason at the first failed check. Screenshots go to cfg.artifacts.
//
// cfg: { url, token, chromium, artifacts,
//        search: { query, customer_id, members: [{source, external_id, web_url}] },
//        xss: { name, query },
//        fault: { source, fake_url }, live: { fake_url, name },
//        live_read: { source, fake_url } }
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const cfg = JSON.parse(process.env.CRM_WEB_TEST);
const STEP_MS = 20000;  // every wait is bounded
fs.mkdirSync(cfg.artifacts, { recursive: true });

const log = (...a) => console.log('web:', ...a);
function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
}

async function shot(page, name) {
  const file = path.join(cfg.artifacts, name);
  await page.screenshot({ path: file, fullPage: true });
  log('screenshot', file);
}

// Errors the page must never show: script errors, CSP refusals, dialogs (alert()).
// The 401 of the first API call (no token yet) is expected and logged by Chromium.
// While a CRM is made unreachable on purpose, the page's failed live reads (502) are too.
let liveMayFail = false;
function watch(page, problems) {
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error' || /status of 401/.test(m.text())) return;
    if (liveMayFail && /status of 502/.test(m.text()) && /\/live$/.test(m.location().url || '')) return;
    problems.push(`console error: ${m.text()}`);
  });
  page.on('dialog', (d) => {
    problems.push(`a dialog opened: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
}

async function signIn(page) {
  await page.goto(cfg.url);
  await page.locator('#token').waitFor({ state: 'visible', timeout: STEP_MS });
  await page.fill('#token', 'not-the-token');
  await page.press('#token', 'Enter');
  await page.locator('#token-error', { hasText: 'refused' }).waitFor({ timeout: STEP_MS });
  await page.fill('#token', cfg.token);
  await page.press('#token', 'Enter');
  await page.locator('#q').waitFor({ state: 'visible', timeout: STEP_MS });
  check(!page.url().includes(cfg.token), 'the token never goes into the URL');
}

async function searchAndOpen(page) {
  const { query, customer_id: id, members } = cfg.search;
  // As you type, with the keyboard only: the search box has the focus after sign-in.
  check(await page.evaluate(() => document.activeElement && document.activeElement.id === 'q'),
    'the search box has the focus');
  await page.keyboard.type(query, { delay: 20 });
  // The list before typing holds every customer: wait for the answer to the whole query.
  await page.locator('#customers-status', { hasText: `matching “${query}”` }).waitFor({ timeout: STEP_MS });
  const item = page.locator(`li[data-customer="${id}"]`);
  await item.waitFor({ timeout: STEP_MS });
  const badges = await item.locator('.badge').evaluateAll((els) => els.map((e) => e.dataset.source));
  const expected = [...new Set(members.map((m) => m.source))].sort();
  check(JSON.stringify([...badges].sort()) === JSON.stringify(expected),
    `${id} shows one badge per CRM: ${badges} != ${expected}`);
  check(page.url().includes('#/customers?q='), 'the search is kept in the URL');
  await shot(page, 'customers.png');

  // Tab from the search box to the customer's link, then Enter (bounded).
  const link = item.locator('a.customer');
  let focused = false;
  for (let i = 0; i < 120 && !focused; i++) {
    await page.keyboard.press('Tab');
    focused = await link.evaluate((el) => el === document.activeElement);
  }
  check(focused, `Tab reaches ${id}'s link`);
  await page.keyboard.press('Enter');
  await page.locator('#customer-detail article.member').first().waitFor({ timeout: STEP_MS });
  const cards = page.locator('#customer-detail article.member');
  check(await cards.count() === members.length, `${members.length} member records side by side`);
  for (const m of members) {
    const edit = page.locator(`article.member[data-source="${m.source}"][data-external-id="${m.external_id}"] a.edit`);
    check(await edit.count() === 1, `an edit link for ${m.source}:${m.external_id}`);
    check(await edit.getAttribute('href') === m.web_url, `${m.source}:${m.external_id} links to ${m.web_url}`);
    check(await edit.getAttribute('target') === '_blank', 'the edit link opens a new tab');
    check((await edit.getAttribute('rel')).includes('noopener'), 'the edit link has rel=noopener');
  }
  const reasons = await page.locator('#customer-detail .reasons li').count();
  check(reasons === members.length - 1, `link reasons listed (${reasons})`);
  await shot(page, 'customer.png');
  // Back returns to the same search.
  await page.goBack();
  await page.locator(`li[data-customer="${id}"]`).waitFor({ timeout: STEP_MS });
  check(await page.inputValue('#q') === query, 'Back keeps the search');
}

// The live source's card shows what its CRM has now; the others ask nothing. With the CRM
// failing, the card says so and keeps the synced fields.
async function liveFields(page) {
  const { source, fake_url: fakeUrl } = cfg.live_read;
  await page.goto(`${cfg.url}#/customers/${cfg.search.customer_id}`);
  const card = page.locator(`#customer-detail article.member[data-source="${source}"]`);
  await card.locator('.live h3', { hasText: `Live in ${source}` }).waitFor({ timeout: STEP_MS });
  const keys = await card.locator('.live dt').allTextContents();
  check(JSON.stringify(keys) === JSON.stringify(['full_name', '/contact/email']), `the live fields are shown: ${keys}`);
  const others = await page.locator(`#customer-detail article.member:not([data-source="${source}"]) .live *`).count();
  check(others === 0, 'members of sources without live reads ask nothing');
  await shot(page, 'customer-live.png');

  liveMayFail = true;
  const resp = await fetch(`${fakeUrl}/_control/faults`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ kind: 'status', status: 500, count: 100000 }),
  });
  check(resp.status === 201, `fault injected (${resp.status})`);
  try {
    await page.reload();
    await page.locator(`#customer-detail article.member.crm-unreachable[data-source="${source}"]`)
      .waitFor({ timeout: STEP_MS });
    const text = await card.locator('.live').textContent();
    check(text.includes('CRM unreachable') && text.includes('crm_unavailable'), `the card says the CRM is unreachable: ${text}`);
    check(await card.locator('dl').first().textContent().then((t) => t.length > 0), 'the synced fields stay');
    await shot(page, 'customer-crm-unreachable.png');
  } finally {
    await fetch(`${fakeUrl}/_control/faults`, { method: 'DELETE' });
    liveMayFail = false;
  }
  await page.goto(`${cfg.url}#/customers?q=${encodeURIComponent(cfg.search.query)}`);
  await page.locator('#q').waitFor({ state: 'visible', timeout: STEP_MS });
}

async function xssIsText(page) {
  await page.fill('#q', cfg.xss.query);
  await page.locator('#customers-status', { hasText: `matching “${cfg.xss.query}”` }).waitFor({ timeout: STEP_MS });
  const item = page.locator('#customers-list li', { hasText: cfg.xss.name });
  await item.waitFor({ timeout: STEP_MS });
  check(await item.locator('.name').textContent() === cfg.xss.name, 'the record name renders as text');
  await item.locator('a.customer').click();
  const h1 = page.locator('#customer-detail h1');
  await h1.waitFor({ timeout: STEP_MS });
  check(await h1.textContent() === cfg.xss.name, 'the customer heading is the name as text');
  const counts = await page.evaluate(() => ({
    scripts: document.querySelectorAll('script').length,
    imgs: document.querySelectorAll('img').length,
  }));
  check(counts.scripts === 1 && counts.imgs === 0, `no element made from data: ${JSON.stringify(counts)}`);
  await page.waitForTimeout(300);  // give an injected handler the chance to fire
  await shot(page, 'xss.png');
}

async function sourcesShowFailure(page) {
  await page.goto(`${cfg.url}#/sources`);
  const row = page.locator(`#sources-body tr[data-source="${cfg.fault.source}"]`);
  await row.waitFor({ timeout: STEP_MS });
  await page.waitForFunction((s) => {
    const tr = document.querySelector(`#sources-body tr[data-source="${s}"]`);
    return tr && !tr.classList.contains('failing') && !tr.classList.contains('pending');
  }, cfg.fault.source, { timeout: STEP_MS });
  await page.evaluate(() => { window.__notReloaded = true; });
  const resp = await fetch(`${cfg.fault.fake_url}/_control/faults`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ kind: 'status', status: 401, count: 100000 }),
  });
  check(resp.status === 201, `fault injected (${resp.status})`);
  // The table refreshes itself: no reload, no click.
  // A 401 is the CRM refusing the credentials: the source needs attention (not a retry).
  await page.locator(`#sources-body tr.needs-attention[data-source="${cfg.fault.source}"]`).waitFor({ timeout: STEP_MS });
  check(await page.evaluate(() => window.__notReloaded === true), 'the table refreshed without a reload');
  await page.waitForFunction((s) => {
    const pre = document.querySelector(`#sources-body tr[data-source="${s}"] .last-error`);
    return pre && pre.textContent.length > 0;
  }, cfg.fault.source, { timeout: STEP_MS });
  check(await row.locator('.pill').textContent() === 'needs-attention', 'the status says needs-attention');
  const others = await page.locator('#sources-body tr.failing, #sources-body tr.needs-attention').count();
  check(others === 1, `only the broken source is failing (${others})`);
  check((await page.textContent('#sources-summary')).includes('1 needs attention'), 'the summary counts it');
  await shot(page, 'sources.png');
}

async function changesAreLive(page) {
  await page.goto(`${cfg.url}#/changes`);
  await page.locator('#changes-list li').first().waitFor({ timeout: STEP_MS });
  const resp = await fetch(`${cfg.live.fake_url}/_control/records`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ full_name: cfg.live.name }),
  });
  check(resp.status === 201, `record created in the fake (${resp.status})`);
  await page.locator('#changes-list li', { hasText: cfg.live.name }).first().waitFor({ timeout: STEP_MS });
  check(await page.locator('#changes-list li').first().textContent().then((t) => t.includes(cfg.live.name)),
    'the new change is on top');
  await shot(page, 'changes.png');
}

async function phone(browser, problems) {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await ctx.newPage();
  watch(page, problems);
  await signIn(page);
  const noSideScroll = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
  await page.goto(`${cfg.url}#/customers/${cfg.search.customer_id}`);
  await page.locator('#customer-detail article.member').first().waitFor({ timeout: STEP_MS });
  check(await noSideScroll(), 'a customer fits a phone screen');
  await shot(page, 'phone-customer.png');
  await page.goto(`${cfg.url}#/sources`);
  await page.locator('#sources-body tr').first().waitFor({ timeout: STEP_MS });
  check(await noSideScroll(), 'the sources fit a phone screen');
  await shot(page, 'phone-sources.png');
  await ctx.close();
}

const browser = await chromium.launch({
  executablePath: cfg.chromium,
  headless: true,
  // Chromium's sandbox refuses to start as root (CI runs as root).
  args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
});
let page;
const problems = [];
let failed = null;
try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await ctx.newPage();
  watch(page, problems);
  await signIn(page);
  log('signed in with the token');
  await searchAndOpen(page);
  log('search, badges and edit links ok');
  await liveFields(page);
  log('live fields, and a CRM that is down, on a customer');
  await xssIsText(page);
  log('the XSS record renders as text');
  await changesAreLive(page);
  log('the change feed is live');
  await sourcesShowFailure(page);
  log('the failing source stands out');
  await phone(browser, problems);
  log('phone layout ok');
  check(problems.length === 0, `the page had problems:\n  ${problems.join('\n  ')}`);
} catch (e) {
  failed = e;
  if (page) await shot(page, 'failure.png').catch(() => {});
} finally {
  await browser.close();
}
if (failed) {
  console.error(`web: FAILED: ${failed.message}`);
  if (problems.length) console.error(`web: page problems:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
log('all checks passed');
