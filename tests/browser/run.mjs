// Browser and accessibility tests: the real `safeguard` binary on a fresh
// SQLite data directory with demo data, driven by playwright-core in
// Debian's Chromium, with axe-core checking every page visited against
// WCAG 2.2 A and AA (0 violations allowed). Journeys run with a mouse,
// keyboard-only, and with JavaScript disabled. Screenshots go to
// artifacts/screenshots/ (not committed).
//
// Usage: node tests/browser/run.mjs   (after `cargo build -p safeguard`)

import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { createHmac } from 'node:crypto';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = process.env.SAFEGUARD_BIN || join(root, 'target', 'debug', 'safeguard');
const AXE = join(root, 'node_modules', 'axe-core', 'axe.min.js');
const SHOTS = join(root, 'artifacts', 'screenshots');
const PASSWORD = 'safeguard-demo';
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

const checked = [];   // { journey, title, url, violations }
const results = [];   // { name, ok, error }
let shot = 0;

function fail(msg) { throw new Error(msg); }

/** Starts the server; resolves to { base, child, dir }. */
async function startServer() {
  if (!existsSync(BIN)) fail(`no binary at ${BIN}: run cargo build -p safeguard`);
  const dir = mkdtempSync(join(tmpdir(), 'safeguard-browser-'));
  const child = spawn(BIN, ['serve', '--demo', '--data-dir', dir, '--bind', '127.0.0.1:0', '--min-form-seconds', '0', '--public-rate-limit', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = createInterface({ input: child.stdout });
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start in 60 s')), 60000);
    lines.on('line', (line) => {
      const m = line.match(/running at (http:\/\/[^/\s]+)\//);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { base, child, dir };
}

/**
 * Stops the server and removes its data directory. Waits for the process to exit first: a
 * server still shutting down writes its database files while the directory is being removed
 * (ENOTEMPTY). A directory that still cannot be removed is reported, not failed on: it is
 * the test's scratch space, not something under test.
 */
async function stopServer(server) {
  if (server.child.exitCode === null && server.child.signalCode === null) {
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill();
    const timer = setTimeout(() => server.child.kill('SIGKILL'), 10000);
    await exited;
    clearTimeout(timer);
  }
  try {
    rmSync(server.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  } catch (e) {
    console.warn(`warning: could not remove ${server.dir}: ${e.message}`);
  }
}

/** Runs `safeguard ARGS` on the server's database, with `input` on standard input. */
async function cli(dir, args, input) {
  const child = spawn(BIN, [...args, '--data-dir', dir], { stdio: ['pipe', 'ignore', 'inherit'] });
  child.stdin.end(input);
  const code = await new Promise((resolve) => child.on('exit', resolve));
  if (code !== 0) fail(`safeguard ${args.join(' ')} exited with ${code}`);
}

/** Runs axe on the page; records and returns the violations. */
async function axeCheck(page, journey) {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  }, WCAG_TAGS);
  return { title: await page.title(), url: page.url(), violations, journey };
}

let mirrorPage = null; // a JavaScript-enabled page for checking pages of the no-JS journey

/** The DOM of a page shown with JavaScript disabled, copied into a page where axe can run. */
async function mirror(page) {
  const html = await page.content();
  const url = page.url();
  const origin = new URL(url).origin;
  await mirrorPage.route(`${origin}/__mirror`, (route) => route.fulfill({ contentType: 'text/html', body: html.replace(/<script[^>]*><\/script>/g, '') }));
  await mirrorPage.goto(`${origin}/__mirror`);
  await mirrorPage.unroute(`${origin}/__mirror`);
  return { page: mirrorPage, url };
}

/** Checks a page: axe with 0 violations, and a screenshot. Throws on violations. */
async function check(page, journey, name) {
  const noJs = journey === 'nojs';
  const target = noJs ? await mirror(page) : { page, url: page.url() };
  const r = await axeCheck(target.page, journey);
  r.url = target.url;
  checked.push(r);
  shot += 1;
  await page.screenshot({ path: join(SHOTS, `${String(shot).padStart(2, '0')}-${journey}-${name}.png`), fullPage: true });
  if (r.violations.length > 0) {
    fail(`${r.violations.length} accessibility violation(s) on "${r.title}" (${r.url}):\n` +
      r.violations.map((v) => `  - ${v.id} [${v.impact}] ${v.help}: ${v.nodes.join(', ')}`).join('\n'));
  }
}

async function test(name, fn) {
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name}`);
  } catch (e) {
    results.push({ name, ok: false, error: e });
    console.log(`FAIL ${name}\n     ${String(e.stack || e).split('\n').join('\n     ')}`);
  }
}

/** Fills a GOV.UK date input (day, month, year) from `YYYY-MM-DD`; anything else goes in the day box as typed. */
async function fillDate(page, id, value) {
  const m = value.match(/^(\d{4})-(\d{2})-(\d{2})$/);
  await page.fill(`#${id}`, m ? String(Number(m[3])) : value);
  await page.fill(`#${id}-month`, m ? String(Number(m[2])) : '');
  await page.fill(`#${id}-year`, m ? m[1] : '');
}

async function expectText(page, text) {
  const body = await page.textContent('body');
  if (!body.includes(text)) fail(`expected the page "${await page.title()}" to contain ${JSON.stringify(text)}`);
}

/** Runs `action`, waits for the page it leads to, and checks that page. */
async function go(page, journey, name, action) {
  await Promise.all([page.waitForNavigation(), action()]);
  await check(page, journey, name);
}

async function visit(page, journey, name, url) {
  await page.goto(url);
  await check(page, journey, name);
}

/** The demo accounts' authenticator key (managers, DPOs and administrators sign in with a code). */
const DEMO_TOTP_SECRET = 'SAFEGUARDDEMOSECRETFORTRYING2345';
const lastStep = new Map(); // account -> the last 30-second step whose code was used

function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of text.replace(/[\s=]/g, '').toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The RFC 6238 code (SHA-1, six digits) of `secret` for 30-second step `step`. */
function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const at = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(at) & 0x7fffffff) % 1000000).padStart(6, '0');
}

/**
 * A code the server has not accepted before for `account`: a code is taken
 * for the step before, now or after, and only for a step later than the last
 * used, so a second sign-in within the same half-minute takes the next
 * step's code, and a third waits for the clock.
 */
async function freshCode(account, secret) {
  for (;;) {
    const now = Math.floor(Date.now() / 30000);
    const step = Math.max(now, (lastStep.get(account) ?? -1) + 1);
    if (step <= now + 1) {
      lastStep.set(account, step);
      return totp(secret, step);
    }
    await new Promise((r) => setTimeout(r, (now + 1) * 30000 - Date.now() + 250));
  }
}

async function signIn(page, base, username, journey, password = PASSWORD) {
  await visit(page, journey, 'login', `${base}/login`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await go(page, journey, `${username}-home`, () => page.click('button:has-text("Sign in")'));
  if ((await page.title()).startsWith('Enter your code')) {
    await page.fill('#code', await freshCode(username, DEMO_TOTP_SECRET));
    await go(page, journey, `${username}-code`, () => page.click('button:has-text("Sign in")'));
  }
  if (!(await page.title()).startsWith('Home')) fail(`sign in as ${username} did not reach the home page: ${await page.title()}`);
}

async function signOut(page, journey) {
  await go(page, journey, 'signed-out', () => page.click('button:has-text("Sign out")'));
  if (!(await page.title()).startsWith('Sign in')) fail('sign out did not return to the sign-in page');
}

/**
 * The main practitioner journey, by mouse; `journey` names it in the report.
 * When `existing` is set, the person added is already on record (from an
 * earlier journey): the form shows the likely match first, and the
 * practitioner adds a new record anyway.
 */
async function practitionerJourney(page, base, journey, existing = false) {
  await signIn(page, base, 'practitioner', journey);
  await page.fill('#q', 'brightwater');
  await go(page, journey, 'search-results', () => page.click('button:has-text("Search")'));
  // The demo's generated volume holds sound-alike names too.
  await expectText(page, 'people found');
  await go(page, journey, 'person', () => page.click('a:has-text("Brightwater, Ada")'));
  await expectText(page, 'What matters to me');

  await go(page, journey, 'add-person', () => page.click('nav[aria-label="Main"] a:has-text("Add a person")'));
  await page.fill('#given_name', 'Marigold');
  await page.fill('#nhs_number', '123 456 7890');
  await page.fill('#date_of_birth', '12');
  await page.fill('#dob_month', '6');
  await page.fill('#what_matters_to_me', 'Keeping my garden and my independence.');
  await go(page, journey, 'add-person-errors', () => page.click('button.govuk-button:has-text("Save")'));
  if (!(await page.title()).startsWith('Error:')) fail('an invalid form must say Error: in its title');
  await expectText(page, 'There is a problem');
  if ((await page.inputValue('#given_name')) !== 'Marigold') fail('the given name typed was lost');
  if ((await page.inputValue('#what_matters_to_me')) !== 'Keeping my garden and my independence.') fail('what matters was lost');
  await page.fill('#family_name', 'Penhaligon');
  await page.fill('#nhs_number', '');
  await page.fill('#dob_year', '1952');
  if (existing) {
    await go(page, journey, 'possible-duplicate', () => page.click('button.govuk-button:has-text("Save")'));
    await expectText(page, 'This person may already have a record');
    await expectText(page, 'same date of birth');
    await go(page, journey, 'person-saved', () => page.click('button.govuk-button:has-text("Add a new record")'));
  } else {
    await go(page, journey, 'person-saved', () => page.click('button.govuk-button:has-text("Save")'));
  }
  await expectText(page, 'The record was saved');
  await expectText(page, 'Marigold Penhaligon');

  await go(page, journey, 'edit-person', () => page.click('a:has-text("Change this record")'));
  await go(page, journey, 'add-key-person-row', () => page.click('button:has-text("Add another key person")'));
  await page.fill('#key_people_1_name', 'Ivy Penhaligon');
  await page.selectOption('#key_people_1_relationship', 'family');
  await page.fill('#town', 'Eastmere');
  await go(page, journey, 'person-edited', () => page.click('button.govuk-button:has-text("Save")'));
  await expectText(page, 'Eastmere');
  await expectText(page, 'Ivy Penhaligon');
  await signOut(page, journey);
}

/** A member of the public raises a concern in steps, with a mistake corrected, then checks its status. */
async function publicJourney(page, base, journey) {
  await visit(page, journey, 'raise-start', `${base}/raise`);
  await go(page, journey, 'raise-about-you', () => page.click('button:has-text("Start now")'));
  await page.fill('#raiser_email', 'not an email');
  await go(page, journey, 'raise-about-you-errors', () => page.click('button.govuk-button:has-text("Continue")'));
  await expectText(page, 'There is a problem');
  await page.check('#raiser_kind-family_friend');
  await page.fill('#raiser_name', 'Sam Neighbour');
  await page.fill('#raiser_email', 'sam@example.com');
  await go(page, journey, 'raise-danger', () => page.click('button.govuk-button:has-text("Continue")'));
  await page.check('#immediate_danger');
  await go(page, journey, 'raise-who', () => page.click('button.govuk-button:has-text("Continue")'));
  await expectText(page, 'call 999 now');
  await page.fill('#adults_0_name', 'Edith Brightwater');
  await page.fill('#adults_0_age', '25 12 1931');
  await go(page, journey, 'raise-who-another', () => page.click('button:has-text("Add another adult")'));
  await page.fill('#adults_1_description', 'Another resident in the room next door');
  await go(page, journey, 'raise-what', () => page.click('button.govuk-button:has-text("Continue")'));
  await page.fill('#what_happened', 'Night staff leave residents in wet beds and shout at them.');
  await page.check('#suspected_types-neglect');
  await go(page, journey, 'raise-consent', () => page.click('button.govuk-button:has-text("Continue")'));
  await page.check('#consent-not_asked');
  await page.check('#consent_reason-others_at_risk');
  await go(page, journey, 'raise-check', () => page.click('button.govuk-button:has-text("Continue")'));
  await expectText(page, 'Check your answers');
  await go(page, journey, 'raise-done', () => page.click('button:has-text("Send your concern")'));
  await expectText(page, 'Concern received');
  const codes = await page.$$eval('.sg-code', (els) => els.map((e) => e.textContent.trim()));
  const [reference, receipt] = codes;
  if (!/^SG-/.test(reference) || receipt.length !== 14) fail(`no reference and receipt code shown: ${codes}`);
  await go(page, journey, 'status-form', () => page.click('main a:has-text("Check the status of your concern")'));
  await page.fill('#reference', reference);
  await page.fill('#receipt_code', 'WRONG-CODE');
  await go(page, journey, 'status-not-found', () => page.click('button:has-text("Check status")'));
  await expectText(page, 'We could not find a concern');
  await page.fill('#reference', reference);
  await page.fill('#receipt_code', receipt);
  await go(page, journey, 'status', () => page.click('button:has-text("Check status")'));
  await expectText(page, 'Status: Received');
  return reference;
}

/** A manager triages: home counts, queue, concern page, a refused decision corrected; providers; deadlines. */
async function managerJourney(page, base, journey, reference) {
  await signIn(page, base, 'manager', journey);
  await expectText(page, 'waiting for a decision');
  await go(page, journey, 'queue', () => page.click('nav[aria-label="Main"] a:has-text("Concerns")'));
  await go(page, journey, 'concern', () => page.click(`a:has-text("${reference}")`));
  await expectText(page, 'Possible existing records');
  await go(page, journey, 'concern-linked', () => page.click('button:has-text("Link")'));
  await expectText(page, 'Linked to');
  await page.check('#needs_care_and_support');
  await page.fill('#needs_evidence', 'Lives in a nursing home');
  await page.check('#experiencing_abuse');
  await page.fill('#abuse_evidence', 'Detailed account from a visitor');
  await page.check('#unable_to_protect');
  await page.fill('#unable_evidence', 'Cannot call for help at night');
  await page.check('#outcome-no_enquiry');
  await page.check('#instead-signposting');
  await page.fill('#reasons', 'Testing the rule');
  await go(page, journey, 'decision-refused', () => page.click('button:has-text("Record decision")'));
  await expectText(page, 'must make (or cause) a Section 42 enquiry');
  await page.check('#outcome');
  await page.uncheck('#instead-signposting').catch(() => {});
  await go(page, journey, 'decided', () => page.click('button:has-text("Record decision")'));
  await expectText(page, 'Section 42 enquiry');
  await go(page, journey, 'enquiry', () => page.click('a:has-text("Section 42 enquiry for")'));
  // The enquiry is a summary with a task list; each task has its own page,
  // and a save returns to it with a success banner.
  const task = (name, label) => go(page, journey, name, () => page.click(`main a.govuk-task-list__link:has-text("${label}")`));
  const summary = (name) => go(page, journey, name, () => page.click('a.govuk-back-link:has-text("Back to the enquiry")'));
  await task('enquiry-team', 'Need-to-know team and lead');
  await page.click('summary:has-text("Allocate this enquiry")');
  await page.selectOption('#lead', 'practitioner');
  await go(page, journey, 'enquiry-allocated', () => page.click('button:has-text("Allocate")'));
  await expectText(page, 'Saved: the need-to-know team and the lead.');
  await summary('enquiry-summary');
  await task('enquiry-safeguards', 'Safety and capacity');
  await page.click('summary:has-text("Record consent")');
  await page.check('#subject-sharing');
  await page.fill('#detail', 'Northbridge Police');
  await page.check('#status-refused');
  await page.check('#proceeding');
  await go(page, journey, 'enquiry-consent-errors', () => page.click('button:has-text("Save consent")'));
  await expectText(page, 'needs a lawful reason');
  await page.check('#override_reason-serious_crime');
  await go(page, journey, 'enquiry-consent', () => page.click('button:has-text("Save consent")'));
  await expectText(page, 'A serious crime has been or may be committed');
  await summary('enquiry-summary-safeguards-done');
  await expectText(page, 'Cannot start yet');
  await task('enquiry-voice', "The person's voice");
  await page.check('#asked');
  await go(page, journey, 'enquiry-asked', () => page.click('button:has-text("Save answer")'));
  await page.fill('#text', 'To feel safe at night');
  await go(page, journey, 'enquiry-outcome', () => page.click('button:has-text("Add outcome")'));
  await expectText(page, "Saved: the person's outcomes, in their words.");
  await summary('enquiry-summary-voice-done');
  await task('enquiry-conclusion', 'The conclusion');
  await page.check('#risk_types-neglect');
  await go(page, journey, 'enquiry-conclusion-errors', () => page.click('button:has-text("Propose conclusion")'));
  await expectText(page, 'There is a problem');
  await page.check('#locations-care_home_nursing');
  await page.check('#sources-unknown');
  await page.check('#action_result');
  await page.check('#risk_outcome-reduced');
  await page.check('#capacity-did_not_lack');
  await page.check('#concl_asked');
  const achievement = await page.$eval('input[name^="achievement_"]', (e) => e.name);
  await page.check(`input[name="${achievement}"][value="partially"]`);
  await go(page, journey, 'enquiry-awaiting', () => page.click('button:has-text("Propose conclusion")'));
  await go(page, journey, 'enquiry-concluded', () => page.click('button:has-text("Sign off the conclusion")'));
  await expectText(page, 'Partially Achieved');
  await summary('enquiry-summary-concluded');
  await task('enquiry-feedback', "The person's feedback");
  await page.check('#link_respondent');
  await go(page, journey, 'feedback-link', () => page.click('button:has-text("Make a feedback link")'));
  const feedbackUrl = (await page.textContent('.govuk-notification-banner .sg-code')).trim();
  const back = page.url().replace(/\/feedback-link$/, '');
  await visit(page, journey, 'feedback-public', feedbackUrl);
  await go(page, journey, 'feedback-public-errors', () => page.click('button:has-text("Send feedback")'));
  await expectText(page, 'There is a problem');
  for (const r of await page.$$eval('input[type="radio"][value="yes"]', (els) => els.map((e) => e.id))) await page.check(`#${r}`);
  await go(page, journey, 'feedback-thanks', () => page.click('button:has-text("Send feedback")'));
  await expectText(page, 'Thank you');
  await visit(page, journey, 'enquiry-with-feedback', back);
  await go(page, journey, 'plan-summary', () => page.click('a:has-text("The plan in plain words")'));
  await expectText(page, 'Your safeguarding plan');
  await go(page, journey, 'plan-summary-easy-read', () => page.click('nav[aria-label="Versions of this summary"] a:has-text("Easy read")'));
  await go(page, journey, 'plan-summary-large-print', () => page.click('nav[aria-label="Versions of this summary"] a:has-text("Large print")'));
  await expectText(page, 'You can call us on');
  await go(page, journey, 'enquiry-again', () => page.click('a.govuk-back-link'));
  await go(page, journey, 'person-from-enquiry', () => page.click('main a:has-text("s record")'));
  await go(page, journey, 'documents', () => page.click('main a:has-text("Documents, photos and recordings")'));
  await go(page, journey, 'documents-errors', () => page.click('main button:has-text("Add the file")'));
  await expectText(page, 'Select a file to add');
  await page.setInputFiles('#file', { name: 'gp-letter.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% A letter from the GP\n') });
  await page.fill('#description', 'Letter from the GP about her medication');
  await go(page, journey, 'documents-added', () => page.click('main button:has-text("Add the file")'));
  await expectText(page, 'gp-letter.pdf was added');
  await go(page, journey, 'person-from-documents', () => page.click('a.govuk-back-link'));
  await go(page, journey, 'chronology', () => page.click('a:has-text("Filter or print the chronology")'));
  await page.selectOption('#kind', 'enquiry');
  await go(page, journey, 'chronology-filtered', () => page.click('button:has-text("Filter")'));
  await go(page, journey, 'contacts', () => page.click('main a:has-text("Record a contact or case note")'));
  await go(page, journey, 'contacts-errors', () => page.click('main button:has-text("Save")'));
  await expectText(page, 'There is a problem');
  await page.check('#kind');
  await page.check('#with_person');
  await page.fill('#person_words', 'I feel safer with the night checks');
  await page.fill('#note', 'Visited at the home; talked through the night checks');
  await go(page, journey, 'contact-saved', () => page.click('main button:has-text("Save")'));
  await expectText(page, 'Saved, and added to the chronology');
  await visit(page, journey, 'chronology-with-contact', page.url().replace(/contacts\?saved=1$/, 'chronology'));
  await go(page, journey, 'significance', () => page.click('main a:has-text("Mark as significant")'));
  await page.check('#significant');
  await go(page, journey, 'significance-errors', () => page.click('main button:has-text("Save")'));
  await expectText(page, 'There is a problem');
  await page.fill('#analysis', 'She says the checks work: the risk at night is lower');
  await go(page, journey, 'significance-saved', () => page.click('main button:has-text("Save")'));
  await expectText(page, 'Analysis:');
  await go(page, journey, 'enquiries', () => page.click('nav[aria-label="Main"] a:has-text("Enquiries")'));
  await go(page, journey, 'providers', () => page.click('nav[aria-label="Main"] a:has-text("Providers")'));
  await go(page, journey, 'provider-new', () => page.click('a:has-text("Add a provider")'));
  await go(page, journey, 'provider-new-errors', () => page.click('button:has-text("Add provider")'));
  await page.fill('#name', 'Meadowview Care Home');
  await page.check('#kind');
  await go(page, journey, 'provider', () => page.click('button:has-text("Add provider")'));
  await go(page, journey, 'deadlines', () => page.click('nav[aria-label="Main"] a:has-text("Deadlines")'));
  await fillDate(page, 'day', '2031-02-30');
  await go(page, journey, 'deadlines-errors', () => page.click('button:has-text("Add holiday")'));
  await expectText(page, 'There is a problem');
  await go(page, journey, 'translations', () => page.click('nav[aria-label="Main"] a:has-text("Translations")'));
  await go(page, journey, 'translation-welsh', () => page.click('a:has-text("Welsh")'));
  await page.fill('#text_danger', '');
  await go(page, journey, 'translation-errors', () => page.click('button.govuk-button:has-text("Save translation")'));
  await expectText(page, 'There is a problem');
  await signOut(page, journey);
}

/** Focus is visible: the focused element draws an outline, shadow or background change. */
async function assertVisibleFocus(page) {
  const style = await page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const s = getComputedStyle(el);
    return { tag: el.tagName, outline: s.outlineStyle !== 'none' && s.outlineWidth !== '0px', shadow: s.boxShadow !== 'none', bg: s.backgroundColor };
  });
  if (!style) fail('nothing has focus');
  if (!style.outline && !style.shadow && style.bg === 'rgba(0, 0, 0, 0)') fail(`focus is not visible on ${style.tag}`);
}

/** Presses Tab until the focused element matches `selector` (at most 60 times). */
async function tabTo(page, selector) {
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((sel) => document.activeElement && document.activeElement.matches(sel), selector)) {
      await assertVisibleFocus(page);
      return;
    }
  }
  fail(`could not reach ${selector} with the Tab key`);
}

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  const server = await startServer();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
  const base = server.base;
  try {
    await test('the checker fails a page with a planted violation', async () => {
      const page = await (await browser.newContext({ bypassCSP: true })).newPage();
      await page.goto(`${base}/login`);
      // Plant violations: an input with no label, and an image with no text alternative.
      await page.evaluate(() => {
        document.querySelector('label[for="username"]').remove();
        document.querySelector('main').insertAdjacentHTML('beforeend', '<img src="/assets/favicon.svg">');
      });
      const r = await axeCheck(page, 'self-test');
      const ids = r.violations.map((v) => v.id);
      if (!ids.includes('label') || !ids.includes('image-alt')) fail(`planted violations not found: ${ids.join(', ')}`);
      let threw = false;
      try { await check(page, 'self-test', 'planted'); } catch { threw = true; }
      checked.pop(); // the planted page is not part of the product's report
      if (!threw) fail('check() passed a page with violations');
      await page.close();
    });

    mirrorPage = await (await browser.newContext({ bypassCSP: true })).newPage();

    await test('practitioner: sign in, find, view, add with an error then corrected, edit, sign out', async () => {
      const ctx = await browser.newContext({ bypassCSP: true });
      await practitionerJourney(await ctx.newPage(), base, 'mouse');
      await ctx.close();
    });

    await test('the same journey with JavaScript disabled', async () => {
      const ctx = await browser.newContext({ javaScriptEnabled: false });
      await practitionerJourney(await ctx.newPage(), base, 'nojs', true);
      await ctx.close();
    });

    await test('enquiry task pages by keyboard with JavaScript disabled: summary, a task, a save with its banner, back', async () => {
      const ctx = await browser.newContext({ javaScriptEnabled: false });
      const page = await ctx.newPage();
      const j = 'nojs';
      const enter = () => page.keyboard.press('Enter');
      await signIn(page, base, 'practitioner', j);
      await visit(page, j, 'enquiries', `${base}/enquiries`);
      const href = await page.$eval('main table a:has-text("Tomasz Wieczorek")', (a) => a.getAttribute('href'));
      await visit(page, j, 'enquiry-summary', `${base}${href}`);
      await expectText(page, 'The enquiry, step by step');
      await tabTo(page, 'a.govuk-task-list__link[href$="/voice"]');
      await go(page, j, 'enquiry-voice', enter);
      await tabTo(page, '#text');
      await page.keyboard.type('To choose who visits me');
      await tabTo(page, 'form[action$="/outcomes"] button');
      await go(page, j, 'enquiry-voice-saved', enter);
      await expectText(page, "Saved: the person's outcomes, in their words.");
      await expectText(page, 'To choose who visits me');
      await tabTo(page, 'a.govuk-back-link');
      await go(page, j, 'enquiry-summary-again', enter);
      await expectText(page, 'The enquiry, step by step');
      await ctx.close();
    });

    await test('keyboard only: skip link, sign in, search, open, add with an error then corrected, edit, sign out', async () => {
      const ctx = await browser.newContext({ bypassCSP: true });
      const page = await ctx.newPage();
      const j = 'keyboard';
      const enter = () => page.keyboard.press('Enter');
      await visit(page, j, 'login', `${base}/login`);
      await page.keyboard.press('Tab');
      const first = await page.evaluate(() => document.activeElement.textContent.trim());
      if (first !== 'Skip to main content') fail(`the first Tab stop is "${first}", not the skip link`);
      await assertVisibleFocus(page);
      await page.keyboard.press('Enter');
      await tabTo(page, '#username');
      await page.keyboard.type('practitioner');
      await tabTo(page, '#password');
      await page.keyboard.type(PASSWORD);
      await go(page, j, 'home', enter);
      if (!(await page.title()).startsWith('Home')) fail('keyboard sign-in failed');
      await tabTo(page, '#q');
      await page.keyboard.type('sandhu');
      await go(page, j, 'search-results', enter);
      await tabTo(page, 'a[href^="/people/0"]');
      await go(page, j, 'person', enter);
      await expectText(page, 'Harjit Sandhu');

      await tabTo(page, 'nav[aria-label="Main"] a[href="/people/new"]');
      await go(page, j, 'add-person', enter);
      await tabTo(page, '#given_name');
      await page.keyboard.type('Keyboard');
      await go(page, j, 'add-person-errors', enter);
      await expectText(page, 'Enter the family name');
      await tabTo(page, '#family_name');
      await page.keyboard.type('Traveller');
      await go(page, j, 'person-saved', enter);
      await expectText(page, 'Keyboard Traveller');
      await tabTo(page, 'a[href$="/edit"]');
      await go(page, j, 'edit-person', enter);
      await tabTo(page, '#town');
      await page.keyboard.type('Westholm');
      await go(page, j, 'person-edited', enter);
      await expectText(page, 'Westholm');
      await tabTo(page, 'button.sg-link-button');
      await go(page, j, 'signed-out', enter);
      if (!(await page.title()).startsWith('Sign in')) fail('keyboard sign-out failed');
      await ctx.close();
    });

    await test('public: raise a concern in steps (a mistake corrected), get a receipt, check the status; a manager triages it', async () => {
      const ctx = await browser.newContext({ bypassCSP: true });
      const page = await ctx.newPage();
      const reference = await publicJourney(page, base, 'public');
      await managerJourney(page, base, 'triage', reference);
      await ctx.close();
    });

    await test('public journey with JavaScript disabled', async () => {
      const ctx = await browser.newContext({ javaScriptEnabled: false });
      await publicJourney(await ctx.newPage(), base, 'nojs');
      await ctx.close();
    });

    await test('public journey by keyboard only', async () => {
      const ctx = await browser.newContext({ bypassCSP: true });
      const page = await ctx.newPage();
      const j = 'keyboard-public';
      const enter = () => page.keyboard.press('Enter');
      await visit(page, j, 'raise-start', `${base}/raise`);
      await tabTo(page, 'button.govuk-button--start');
      await go(page, j, 'raise-about-you', enter);
      await tabTo(page, '#raiser_kind');
      await page.keyboard.press('Space');
      await tabTo(page, '#raiser_name');
      await page.keyboard.type('Kim Keyboard');
      await go(page, j, 'raise-danger', enter);
      await tabTo(page, '#immediate_danger');
      await page.keyboard.press('ArrowDown');
      await tabTo(page, 'button.govuk-button');
      await go(page, j, 'raise-who', enter);
      await tabTo(page, '#adults_0_name');
      await page.keyboard.type('Grace Adeyemi-Hollis');
      await go(page, j, 'raise-what', enter);
      await tabTo(page, '#what_happened');
      await page.keyboard.type('Her manager keeps her wages.');
      await tabTo(page, 'button.govuk-button');
      await go(page, j, 'raise-consent', enter);
      await tabTo(page, '#consent');
      await page.keyboard.press('Space');
      await tabTo(page, 'button.govuk-button');
      await go(page, j, 'raise-check', enter);
      await tabTo(page, 'button.govuk-button');
      await go(page, j, 'raise-done', enter);
      await expectText(page, 'Concern received');
      await ctx.close();
    });

    await test('every role: home page; admin accounts; DPO audit trail; error page', async () => {
      const ctx = await browser.newContext({ bypassCSP: true });
      const page = await ctx.newPage();
      const j = 'roles';
      for (const role of ['manager', 'partner', 'analyst']) {
        await signIn(page, base, role, j);
        if (role !== 'partner') {
          await go(page, j, `${role}-sac`, () => page.click('nav[aria-label="Main"] a:has-text("SAC return")'));
          await expectText(page, 'SG4a');
          await go(page, j, `${role}-reviews`, () => page.click('a:has-text("the review register")'));
          if (role === 'manager') {
            await go(page, j, 'review-errors', () => page.click('button:has-text("Add review")'));
            await expectText(page, 'There is a problem');
            await page.fill('#title', 'Adult K');
            await fillDate(page, 'commissioned_on', '2026-01-10');
            await fillDate(page, 'completed_on', '');
            await page.fill('#individuals_died', '0');
            await page.fill('#individuals_survived', '1');
            await go(page, j, 'review-added', () => page.click('button:has-text("Add review")'));
            await go(page, j, 'review', () => page.click('main a:has-text("Adult K")'));
            await go(page, j, 'recommendation-errors', () => page.click('button:has-text("Add the recommendation")'));
            await expectText(page, 'There is a problem');
            await page.fill('#text', 'Every enquiry lead to complete professional curiosity training');
            await page.selectOption('#owner', 'practitioner');
            await fillDate(page, 'due_on', '2027-03-31');
            await page.selectOption('#level_id', 'level-bnc-c');
            await go(page, j, 'recommendation-added', () => page.click('button:has-text("Add the recommendation")'));
            await expectText(page, 'professional curiosity');
            await go(page, j, 'recommendation-updated', () => page.click('button:has-text("Update")'));
            await go(page, j, 'reviews-again', () => page.click('a:has-text("The register")'));
          }
          await go(page, j, `${role}-dashboard`, () => page.click('nav[aria-label="Main"] a:has-text("Dashboard")'));
          await expectText(page, 'Overdue work now');
          if ((await page.locator('figure svg[role="img"]').count()) < 5) fail('the dashboard should draw its charts');
          await fillDate(page, 'from', '2026-02-30');
          await go(page, j, `${role}-dashboard-errors`, () => page.click('button:has-text("Show")'));
          await expectText(page, 'There is a problem');
        }
        await signOut(page, j);
      }
      await signIn(page, base, 'admin', j);
      await go(page, j, 'admin-users', () => page.click('nav[aria-label="Main"] a:has-text("User accounts")'));
      await go(page, j, 'admin-add-user', () => page.click('a:has-text("Add a user")'));
      await page.fill('#username', 'x');
      await go(page, j, 'admin-add-user-errors', () => page.click('button:has-text("Add user")'));
      await expectText(page, 'There is a problem');
      await page.fill('#username', 'new.worker');
      await page.fill('#display_name', 'Noor Worker');
      await page.check('#role');
      await page.selectOption('#agency', 'Northbridge Council');
      await page.fill('#email', 'new.worker@northbridge.example');
      await go(page, j, 'admin-user-added', () => page.click('button:has-text("Add user")'));
      await expectText(page, 'new.worker');
      await expectText(page, "Awaiting a manager's approval");
      await go(page, j, 'feedback-questions', () => page.click('nav[aria-label="Main"] a:has-text("Feedback questions")'));
      await go(page, j, 'feedback-questions-more', () => page.click('button:has-text("Add another question")'));
            await visit(page, j, 'not-found', `${base}/people/01900000-0000-7000-8000-000000000000`);
      await expectText(page, 'Page not found');
      await signOut(page, j);
      await signIn(page, base, 'dpo', j);
      await go(page, j, 'dpo-audit', () => page.click('nav[aria-label="Main"] a:has-text("Audit trail")'));
      await expectText(page, 'The audit chain is intact');
      await signOut(page, j);
      await ctx.close();
    });

    await test('training: a worker records learning (an error corrected); the manager, the lead and an analyst see compliance; an administrator edits the frameworks', async () => {
      const ctx = await browser.newContext({ bypassCSP: true });
      const page = await ctx.newPage();
      const j = 'training';
      await signIn(page, base, 'practitioner', j);
      await expectText(page, 'Your training');
      await go(page, j, 'mine', () => page.click('nav[aria-label="Main"] a:has-text("Training")'));
      await expectText(page, 'Staff group C');
      await page.fill('#title', 'Leading section 42 enquiries: refresher');
      await page.selectOption('#kind', 'course');
      await fillDate(page, 'completed_on', 'yesterday');
      await page.fill('#hours', '6.5');
      await page.selectOption('#level', 'level-bnc-c');
      await go(page, j, 'mine-errors', () => page.click('button:has-text("Record learning")'));
      await expectText(page, 'There is a problem');
      const d = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
      await fillDate(page, 'completed_on', d);
      await go(page, j, 'mine-recorded', () => page.click('button:has-text("Record learning")'));
      await expectText(page, 'The learning was recorded');
      await signOut(page, j);

      await signIn(page, base, 'manager', j);
      await go(page, j, 'compliance', () => page.click('nav[aria-label="Main"] a:has-text("Training compliance")'));
      await expectText(page, 'Jo Bright');
      await go(page, j, 'worker', () => page.click('main a:has-text("Jo Bright")'));
      await page.fill('#title', 'Adult safeguarding: leading enquiries');
      await page.selectOption('#kind', 'course');
      await fillDate(page, 'completed_on', d);
      await page.fill('#hours', '6');
      await page.selectOption('#level', 'level-bnc-c');
      await go(page, j, 'worker-recorded', () => page.click('button:has-text("Record learning")'));
      await expectText(page, 'Current until');
      await signOut(page, j);

      await signIn(page, base, 'lead', j);
      await go(page, j, 'compliance-everyone', () => page.click('nav[aria-label="Main"] a:has-text("Training compliance")'));
      await expectText(page, 'Sam Reid');
      await signOut(page, j);

      await signIn(page, base, 'analyst', j);
      await go(page, j, 'compliance-figures', () => page.click('nav[aria-label="Main"] a:has-text("Training compliance")'));
      await expectText(page, 'without names');
      await signOut(page, j);

      await signIn(page, base, 'admin', j);
      await go(page, j, 'frameworks', () => page.click('nav[aria-label="Main"] a:has-text("Competency frameworks")'));
      await go(page, j, 'level', () => page.click('a[href="/learning/frameworks/levels/level-ic-3"]'));
      await page.fill('#refresh_months', '0');
      await go(page, j, 'level-errors', () => page.click('button:has-text("Save the level")'));
      await expectText(page, 'There is a problem');
      await page.fill('#refresh_months', '36');
      await go(page, j, 'level-saved', () => page.click('button:has-text("Save the level")'));
      await expectText(page, 'Saved.');
      await go(page, j, 'requirements-saved', () => page.click('button:has-text("Save what each role needs")'));
      await expectText(page, 'Saved.');
      await signOut(page, j);
      await ctx.close();
    });

    await test('supervision: the manager sees who is overdue, records a session (an error corrected); the worker marks the action done', async () => {
      const ctx = await browser.newContext({ bypassCSP: true });
      const page = await ctx.newPage();
      const j = 'supervision';
      await signIn(page, base, 'manager', j);
      await expectText(page, 'overdue for supervision');
      await go(page, j, 'list', () => page.click('nav[aria-label="Main"] a:has-text("Supervision")'));
      await go(page, j, 'worker', () => page.click('main a:has-text("Priya Okafor")'));
      await page.click('summary:has-text("Record a supervision session")');
      await fillDate(page, 'held_on', 'last week');
      await page.fill('#action_0_text', 'Book the advocacy training');
      await go(page, j, 'session-errors', () => page.click('button:has-text("Record the session")'));
      await expectText(page, 'There is a problem');
      const d = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
      const due = new Date(Date.now() + 14 * 86400000).toISOString().slice(0, 10);
      await fillDate(page, 'held_on', d);
      await page.check('#wellbeing');
      await page.fill('#notes', 'A good month; recording is up to date.');
      await page.selectOption('#action_0_owner', 'practitioner');
      await fillDate(page, 'action_0_due', due);
      await go(page, j, 'session-recorded', () => page.click('button:has-text("Record the session")'));
      await expectText(page, 'A good month');
      await signOut(page, j);

      await signIn(page, base, 'practitioner', j);
      await go(page, j, 'mine', () => page.click('nav[aria-label="Main"] a:has-text("Supervision")'));
      await expectText(page, 'Book the advocacy training');
      await go(page, j, 'action-done', () => page.click('button:has-text("Mark done: Book the advocacy training")'));
      await expectText(page, 'Done');
      await go(page, j, 'reflections', () => page.click('main a:has-text("Your reflective log")'));
      await expectText(page, 'Asking first');
      await page.fill('#title', 'Least restrictive options');
      await go(page, j, 'reflection-errors', () => page.click('button:has-text("Add the reflection")'));
      await expectText(page, 'There is a problem');
      await fillDate(page, 'written_on', d);
      await page.fill('#what_happened', 'We considered a care home move before trying more help at home.');
      await page.fill('#learned', 'The least restrictive option was there all along.');
      await page.fill('#will_change', 'List the options with the person before deciding.');
      await page.selectOption('#principle', 'proportionality');
      await page.check('#shared');
      await go(page, j, 'reflection-added', () => page.click('button:has-text("Add the reflection")'));
      await expectText(page, 'The reflection was added');
      await signOut(page, j);
      await ctx.close();
    });

    await test('case-file audit: the practitioner grades a North case (an error corrected); the lead sees the quarter and the themes; an analyst sees figures; an administrator sees the templates', async () => {
      const ctx = await browser.newContext({ bypassCSP: true });
      const page = await ctx.newPage();
      const j = 'case-audit';
      await signIn(page, base, 'practitioner', j);
      await expectText(page, 'case-file audit for you to grade or moderate');
      await go(page, j, 'list', () => page.click('nav[aria-label="Main"] a:has-text("Case-file audit")'));
      await expectText(page, 'For you to grade or moderate');
      await go(page, j, 'audit', () => page.click('main table a:has-text("Sam Reid")'));
      await expectText(page, 'Grade the file');
      await page.check('#q_0_grade');
      await go(page, j, 'grade-errors', () => page.click('button:has-text("Record the grades")'));
      await expectText(page, 'There is a problem');
      const grades = ['good', 'requires_improvement', 'good', 'good', 'outstanding', 'requires_improvement', 'good', 'inadequate'];
      for (let i = 0; i < grades.length; i++) {
        // The first choice (outstanding) carries the field's own id.
        await page.check(grades[i] === 'outstanding' ? `#q_${i}_grade` : `#q_${i}_grade-${grades[i]}`);
        await page.fill(`#q_${i}_evidence`, `Seen in the case notes (${grades[i]}).`);
      }
      await page.fill('#findings', 'Yusuf\'s wishes are clear; his feedback was never sought.');
      await page.fill('#action_0_text', 'Ask Yusuf for his feedback before closing');
      await page.selectOption('#action_0_owner', 'sam.reid');
      await fillDate(page, 'action_0_due', new Date(Date.now() + 30 * 86400000).toISOString().slice(0, 10));
      await go(page, j, 'graded', () => page.click('button:has-text("Record the grades")'));
      await expectText(page, 'Awaiting moderation');
      await signOut(page, j);

      await signIn(page, base, 'lead', j);
      await go(page, j, 'lead-list', () => page.click('nav[aria-label="Main"] a:has-text("Case-file audit")'));
      await expectText(page, 'Every team\'s audits this quarter');
      await go(page, j, 'previous-quarter', () => page.click('a:has-text("Previous quarter")'));
      await expectText(page, 'Moderated');
      await go(page, j, 'themes', () => page.click('main a:has-text("Themes across teams and quarters")'));
      await expectText(page, 'Good or better by question');
      await signOut(page, j);

      await signIn(page, base, 'analyst', j);
      await go(page, j, 'analyst-themes', () => page.click('nav[aria-label="Main"] a:has-text("Audit themes")'));
      await expectText(page, 'Good or better by team');
      await signOut(page, j);

      await signIn(page, base, 'admin', j);
      await go(page, j, 'templates', () => page.click('nav[aria-label="Main"] a:has-text("Audit templates")'));
      await expectText(page, 'Making Safeguarding Personal');
      await go(page, j, 'template-errors', () => page.click('button:has-text("Add the template")'));
      await expectText(page, 'There is a problem');
      await signOut(page, j);
      await ctx.close();
    });

    await test('safe at every contact: pattern alerts, a large-scale enquiry opened from one (errors corrected), its plan, the provider, who is alleged, the rules', async () => {
      const ctx = await browser.newContext({ bypassCSP: true });
      const page = await ctx.newPage();
      const j = 'patterns';
      await signIn(page, base, 'manager', j);
      await expectText(page, 'pattern alerts to decide');
      await go(page, j, 'alerts', () => page.click('main a:has-text("pattern alerts to decide")'));
      await expectText(page, 'The same person alleged to have caused harm to several adults');
      await go(page, j, 'provider-alert', () => page.click('main table a:has-text("Concerns about one provider or place")'));
      await expectText(page, 'Larchfield House');
      await expectText(page, 'The concerns behind it (2)');
      await go(page, j, 'open-errors', () => page.click('button:has-text("Open large-scale enquiry")'));
      await expectText(page, 'There is a problem');
      await page.fill('#reason', 'Two residents harmed at night within a week, the same carer named by both.');
      await go(page, j, 'large-scale', () => page.click('button:has-text("Open large-scale enquiry")'));
      await expectText(page, 'The large-scale enquiry is open.');
      await page.click('summary:has-text("Add an action")');
      await page.fill('#description', 'Night staffing review and supervision of all night carers');
      await go(page, j, 'action-errors', () => page.click('button:has-text("Add action")'));
      await expectText(page, 'Enter the due date');
      await page.fill('#owner', 'Larchfield House registered manager');
      await page.check('#by_provider');
      await fillDate(page, 'due_on', new Date(Date.now() + 21 * 86400000).toISOString().slice(0, 10));
      await go(page, j, 'action-added', () => page.click('button:has-text("Add action")'));
      await expectText(page, 'The provider\'s action');
      await go(page, j, 'provider', () => page.click('main h1 a:has-text("Larchfield House")'));
      await expectText(page, 'Dale Morton');
      await expectText(page, 'CQC location id');
      await go(page, j, 'concern', () => page.click('main table a >> nth=0'));
      await expectText(page, 'People alleged to have caused harm');
      await expectText(page, 'Part of a pattern');
      await go(page, j, 'all-alerts', () => page.click('nav[aria-label="Main"] a:has-text("Pattern alerts")'));
      await expectText(page, 'A large-scale enquiry');
      await go(page, j, 'rules', () => page.click('main a:has-text("Change the rules\' thresholds")'));
      await page.fill('#repeat_adult_threshold', '0');
      await go(page, j, 'rules-errors', () => page.click('button:has-text("Save rules")'));
      await expectText(page, 'from 1 to 50');
      await page.fill('#repeat_adult_threshold', '3');
      await go(page, j, 'rules-saved', () => page.click('button:has-text("Save rules")'));
      await expectText(page, 'Rules saved');
      await go(page, j, 'large-scale-list', () => page.click('nav[aria-label="Main"] a:has-text("Large-scale enquiries")'));
      await expectText(page, 'Larchfield House');
      await signOut(page, j);
      await ctx.close();
    });

    await test('need-to-know: another team\'s case, an emergency opening and its review, a restriction, a share, the access report', async () => {
      const ctx = await browser.newContext({ bypassCSP: true });
      const page = await ctx.newPage();
      const j = 'access';
      // The operator adds a colleague of another team (an administrator's
      // accounts wait for a manager's approval and a link to the person).
      await cli(server.dir, ['user', 'add', '--username', 'north.worker', '--display-name', 'Nia North',
        '--role', 'practitioner', '--team', 'North Locality Team', '--password-stdin'], 'a long enough passphrase\n');

      await signIn(page, base, 'north.worker', j, 'a long enough passphrase');
      await go(page, j, 'change-password', () => page.click('a:has-text("Change password")'));
      await expectText(page, 'Change your password');
      await go(page, j, 'home-again', () => page.click('nav[aria-label="Main"] a:has-text("Home")'));
      await page.fill('#q', 'Brightwater');
      await go(page, j, 'search-outside', () => page.click('button:has-text("Search")'));
      await expectText(page, "Another team's case");
      await go(page, j, 'limited', () => page.click('a:has-text("Brightwater, Ada")'));
      await expectText(page, 'held by another team');
      const limitedUrl = page.url();
      await go(page, j, 'break-glass-errors', () => page.click('button:has-text("Open the record in an emergency")'));
      await expectText(page, 'There is a problem');
      await expectText(page, 'Set up two-factor sign-in first');
      // An emergency opening asks for a fresh second factor: she sets one up.
      await go(page, j, 'two-factor-off', () => page.click('main a[href="/account/two-factor"]'));
      await expectText(page, 'Off: you sign in with your password only');
      await go(page, j, 'two-factor-setup', () => page.click('button:has-text("Set up two-factor sign-in")'));
      const secret = (await page.textContent('#setup-key')).replace(/\s/g, '');
      await page.fill('#code', '12');
      await go(page, j, 'two-factor-setup-errors', () => page.click('button:has-text("Turn on two-factor sign-in")'));
      await expectText(page, 'There is a problem');
      await page.fill('#code', await freshCode('north.worker', secret));
      await go(page, j, 'recovery-codes', () => page.click('button:has-text("Turn on two-factor sign-in")'));
      await expectText(page, 'Your recovery codes');
      await go(page, j, 'two-factor-on', () => page.click('a:has-text("I have kept them")'));
      await expectText(page, 'You have 10 unused recovery codes');
      await visit(page, j, 'limited-again', limitedUrl);
      await page.fill('#reason', 'Police at the door out of hours');
      await page.fill('#code', await freshCode('north.worker', secret));
      await go(page, j, 'break-glass-open', () => page.click('button:has-text("Open the record in an emergency")'));
      await expectText(page, 'About the person');
      await signOut(page, j);

      await signIn(page, base, 'manager', j);
      await expectText(page, 'needs your review');
      await go(page, j, 'accounts-to-approve', () => page.click('nav[aria-label="Main"] a:has-text("Accounts to approve")'));
      await expectText(page, 'Accounts to approve');
      await go(page, j, 'manager-home', () => page.click('nav[aria-label="Main"] a:has-text("Home")'));
      await go(page, j, 'break-glass-queue', () => page.click('a:has-text("Review emergency openings")'));
      await go(page, j, 'break-glass-review', () => page.click('main a:has-text("Review")'));
      await expectText(page, 'Police at the door out of hours');
      await go(page, j, 'break-glass-review-errors', () => page.click('button:has-text("Close the review")'));
      await expectText(page, 'There is a problem');
      await page.check('#justified');
      await page.fill('#finding', 'Checked with the police: a genuine emergency.');
      await go(page, j, 'break-glass-reviewed', () => page.click('button:has-text("Close the review")'));
      await expectText(page, 'a genuine emergency');
      await visit(page, j, 'unusual-access', `${base}/access/unusual`);
      await expectText(page, 'north.worker');
      await visit(page, j, 'search', `${base}/people`);
      await page.fill('#q', 'Brightwater');
      await go(page, j, 'search-results', () => page.click('main button:has-text("Search")'));
      await go(page, j, 'person', () => page.click('a:has-text("Brightwater, Ada")'));
      await go(page, j, 'restrict', () => page.click('a:has-text("Restrict this record")'));
      await go(page, j, 'restrict-errors', () => page.click('button:has-text("Restrict the record")'));
      await expectText(page, 'There is a problem');
      await page.fill('#reason', 'A relative works in the council');
      await go(page, j, 'restricted', () => page.click('button:has-text("Restrict the record")'));
      await expectText(page, 'This record is restricted');
      await go(page, j, 'enquiries', () => page.click('nav[aria-label="Main"] a:has-text("Enquiries")'));
      await go(page, j, 'enquiries-all', () => page.click('main a:has-text("All")'));
      await go(page, j, 'enquiry', () => page.click('main table a'));
      await go(page, j, 'enquiry-sharing', () => page.click('main a.govuk-task-list__link:has-text("Information shared")'));
      await page.click('summary:has-text("Record information shared")');
      await go(page, j, 'share-errors', () => page.click('button:has-text("Record the share")'));
      await expectText(page, 'There is a problem');
      await page.fill('#share_what', 'What she wants to happen');
      await page.selectOption('#share_agency', 'Northbridge Police');
      await page.fill('#share_purpose', 'To plan a joint visit');
      await page.check('#share_article6');
      await page.check('#share_article9-safeguarding');
      await page.check('#share_consent');
      await page.check('#share_parts');
      await go(page, j, 'shared', () => page.click('button:has-text("Record the share")'));
      await expectText(page, 'Northbridge Police');
      await go(page, j, 'enquiry-again', () => page.click('a.govuk-back-link:has-text("Back to the enquiry")'));
      await go(page, j, 'enquiry-team', () => page.click('main a.govuk-task-list__link:has-text("Need-to-know team")'));
      await page.click('summary:has-text("Invite someone into this enquiry")');
      await go(page, j, 'invite-errors', () => page.click('button:has-text("Invite")'));
      await expectText(page, 'There is a problem');
      await signOut(page, j);

      await signIn(page, base, 'partner', j);
      await expectText(page, 'Enquiries shared with your agency');
      await go(page, j, 'partner-shared-enquiry', () => page.click('main ul a[href^="/enquiries/"]'));
      await expectText(page, 'Shared with your agency');
      await go(page, j, 'partner-home', () => page.click('nav[aria-label="Main"] a:has-text("Home")'));
      await expectText(page, 'Actions you own');
      await go(page, j, 'partner-actions', () => page.click('main a:has-text("action you own")'));
      await expectText(page, 'Speak to the lodger about the money taken');
      await page.selectOption('select[name="status"]', 'in_progress');
      await go(page, j, 'partner-action-updated', () => page.click('main button:has-text("Update")'));
      await expectText(page, 'The action was updated');
      await signOut(page, j);

      await signIn(page, base, 'dpo', j);
      await go(page, j, 'dpo-find', () => page.click('a:has-text("Who looked at a person\'s record")'));
      await page.fill('#q', 'Brightwater');
      await go(page, j, 'dpo-found', () => page.click('button:has-text("Search")'));
      await go(page, j, 'access-report', () => page.click('a:has-text("Ada Brightwater")'));
      await expectText(page, 'opened your record in an emergency');
      await go(page, j, 'sar', () => page.click('a:has-text("Subject access request")'));
      await page.check('#withhold');
      await go(page, j, 'sar-copy', () => page.click('button:has-text("Make the copy")'));
      await expectText(page, 'withheld: information about someone else');
      await visit(page, j, 'retention', `${base}/records/retention`);
      await page.fill('#years', 'many');
      await page.fill('#concern_years', '6');
      await go(page, j, 'retention-errors', () => page.click('button:has-text("Save")'));
      await expectText(page, 'There is a problem');
      await signOut(page, j);
      await ctx.close();
    });

    await test('narrow screens (375 px): the menu collapses; person, enquiry, triage queue and SAC return fit without sideways scrolling', async () => {
      const ctx = await browser.newContext({ bypassCSP: true, viewport: { width: 375, height: 800 } });
      const page = await ctx.newPage();
      const j = 'narrow';
      /** The page itself never scrolls sideways; wide tables scroll inside their own region. */
      const fits = async () => {
        const r = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, screen: window.innerWidth }));
        if (r.page > r.screen) fail(`"${await page.title()}" is ${r.page} px wide on a ${r.screen} px screen`);
      };
      const menu = async (name, link) => {
        if (await page.isVisible(`nav[aria-label="Main"] a:has-text("${link}")`)) fail('the menu should start collapsed on a narrow screen');
        await page.click('button.govuk-service-navigation__toggle');
        if ((await page.getAttribute('button.govuk-service-navigation__toggle', 'aria-expanded')) !== 'true') fail('the menu button should say it is expanded');
        await go(page, j, name, () => page.click(`nav[aria-label="Main"] a:has-text("${link}")`));
        await fits();
      };
      await signIn(page, base, 'practitioner', j);
      await fits();
      await menu('find', 'Find a person');
      await page.fill('#q', 'Wieczorek');
      await go(page, j, 'found', () => page.click('main button:has-text("Search")'));
      await fits();
      await go(page, j, 'person', () => page.click('a:has-text("Wieczorek, Tomasz")'));
      await fits();
      await menu('enquiries', 'Enquiries');
      await go(page, j, 'enquiry', () => page.click('main table a:has-text("Tomasz Wieczorek")'));
      await fits();
      await go(page, j, 'enquiry-plan', () => page.click('main a.govuk-task-list__link:has-text("The safeguarding plan")'));
      await fits();
      await signOut(page, j);
      await signIn(page, base, 'manager', j);
      await menu('triage-queue', 'Concerns');
      await menu('sac', 'SAC return');
      // A SAC table wider than the screen scrolls in its region, reachable by keyboard.
      const region = await page.$('.sg-table-region');
      if (!region || (await region.getAttribute('tabindex')) !== '0') fail('a table region must be focusable to scroll by keyboard');
      await signOut(page, j);
      await ctx.close();
    });
  } finally {
    await browser.close();
    await stopServer(server);
  }

  console.log('\nPages checked with axe-core (WCAG 2.2 A and AA):');
  for (const c of checked) {
    console.log(`  ${c.violations.length === 0 ? 'pass' : 'FAIL'}  [${c.journey}] ${c.title}  ${new URL(c.url).pathname}  (${c.violations.length} violations)`);
  }
  console.log(`Screenshots: ${SHOTS}`);
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`\nbrowser: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => { console.error(e); process.exit(1); });
