// portal.test.js - the portal in a real browser (issue #5): sign in, add a customer through
// the whole wizard, find it by a Chinese name and by domain, change a subscription's quantity
// in place, edit its account into a conflict, switch language, and a role that may not add
// customers does not see the button (and the server refuses it anyway).  Screenshots of each
// main page go to build/screenshots/.  Every page must log no console errors and make no
// request outside partnerd.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, apiClient, launch, watchedPage, shot, unlabelled } from './harness.js';

let srv;
let browser;
let admin; // bearer-token client of the first global admin
let ui; // the admin's browser page
const NAME = `烟雾测试科技${Date.now() % 100000}有限公司`;
const PREFIX = `yanwu${Date.now() % 1000000}`;
let customerId;

before(async () => {
  srv = await startServer();
  admin = await apiClient(srv.base, srv.email, srv.password);
  browser = await launch();
  ui = await watchedPage(browser, srv.base);
});

after(async () => {
  if (browser) await browser.close();
  if (srv) {
    const code = await srv.stop();
    assert.equal(code, 0, `partnerd exit code ${code}:\n${srv.stderr().slice(-2000)}`);
  }
});

async function signIn(page, email, password) {
  await page.goto(`${srv.base}/`);
  await page.getByLabel(/E-mail address/).fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('sign-in page: wrong password is refused in place, keyboard sign-in works', async () => {
  const { page } = ui;
  await page.goto(`${srv.base}/`);
  await shot(page, '01-sign-in');
  await page.getByLabel(/E-mail address/).fill(srv.email);
  await page.getByLabel(/^Password/).fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('The e-mail address or password is wrong.').waitFor();
  // keyboard only: the password field has focus after a failure
  await page.keyboard.type(srv.password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: /Welcome/ }).waitFor();
  const cookies = await ui.context.cookies();
  const c = cookies.find((x) => x.name === 'pd_session');
  assert.ok(c && c.httpOnly && c.sameSite === 'Strict', JSON.stringify(cookies));
  assert.equal(await page.evaluate(() => document.cookie), '', 'the session cookie must not be readable by scripts');
  await shot(page, '02-dashboard');
  for (const item of ['Customers', 'Add customer', 'User management', 'Activity log'])
    assert.ok(await page.getByRole('navigation').getByRole('link', { name: item }).isVisible(), item);
});

test('a change without the CSRF token is refused even with the session cookie', async () => {
  const status = await ui.page.evaluate(async () => (await fetch('/v1/users', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ userPrincipalName: 'x@e2e.example', displayName: 'x', roles: ['sales_agent'] }) })).status);
  assert.equal(status, 403);
});

test('add customer: the whole wizard, with live domain check, bounds, review/update and server errors', async () => {
  const { page } = ui;
  await page.getByRole('navigation').getByRole('link', { name: 'Add customer' }).click();
  await page.getByRole('heading', { name: 'Account info' }).waitFor();
  await page.getByLabel(/Company name/).fill('临时名称');
  // live domain check: a taken domain, then a free one
  const taken = await admin('POST', '/v1/customers', {
    companyProfile: { domain: `${PREFIX}x` },
    billingProfile: { email: 'x@example.cn', culture: 'zh-CN', language: 'zh', companyName: '占用公司',
      defaultAddress: { firstName: '王', lastName: '五', addressLine1: '一号', city: '北京', state: '北京市', postalCode: '100000', country: 'CN' } } });
  assert.equal(taken.status, 201);
  await page.getByLabel(/^Domain/).fill(`${PREFIX}x`);
  await page.getByText(/is already taken/).waitFor();
  await page.getByLabel(/^Domain/).fill(PREFIX);
  await page.getByText(`${PREFIX}.partner.onmschina.cn is available.`).waitFor();
  await page.getByLabel(/First name/).fill('李');
  await page.getByLabel(/Last name/).fill('雷');
  await page.getByLabel(/E-mail address/).fill('li.lei@example.cn');
  await page.getByLabel(/Phone number/).fill('13800138000');
  await page.getByLabel(/Province/).selectOption('广东省');
  await page.getByLabel(/City/).fill('深圳');
  await page.getByLabel(/Address line 1/).fill('南山区科技园1号');
  await page.getByLabel(/Postal code/).fill('51800'); // five digits: the country rules refuse it on this step
  assert.deepEqual(await unlabelled(page), []);
  await shot(page, '03-wizard-account');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByText('Enter the postal code as 6 digits.').waitFor();
  assert.equal(await page.getByLabel(/Postal code/).getAttribute('aria-invalid'), 'true');
  await page.getByLabel(/Postal code/).fill('518000');
  await page.getByRole('button', { name: 'Next' }).click();

  await page.getByRole('heading', { name: 'Subscriptions', level: 2 }).waitFor();
  await page.getByRole('checkbox', { name: 'Microsoft 365 Business Basic' }).check();
  await page.getByLabel('Licenses of Microsoft 365 Business Basic').fill('301'); // max is 300
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByText('Enter a whole number from 1 to 300.').waitFor();
  await page.getByLabel('Licenses of Microsoft 365 Business Basic').fill('25');
  await shot(page, '04-wizard-subscriptions');
  await page.getByRole('button', { name: 'Next' }).click();

  await page.getByRole('heading', { name: 'Review', level: 2 }).waitFor();
  await page.getByText('Microsoft 365 Business Basic: 25 licenses').waitFor();
  // Update goes back to the account step with the values kept
  await page.getByRole('button', { name: 'Update Account info' }).click();
  assert.equal(await page.getByLabel(/Company name/).inputValue(), '临时名称');
  await page.getByLabel(/Company name/).fill(NAME);
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByText(NAME).first().waitFor();
  await shot(page, '05-wizard-review');
  // (a server-side error next to its field, on the step that holds it: portal2.test.js)
  await page.getByRole('button', { name: 'Submit' }).click();

  await page.getByRole('heading', { name: 'The customer was created' }).waitFor();
  const user = await page.locator('#new-user').inputValue();
  const password = await page.locator('#new-password').inputValue();
  assert.equal(user, `admin@${PREFIX}.partner.onmschina.cn`);
  assert.equal(password.length, 20);
  await page.locator('#copy-password').click();
  await page.getByText('Copied to the clipboard.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), password);
  await shot(page, '06-wizard-done');
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('heading', { name: NAME }).waitFor();
  customerId = page.url().split('/').pop();
  const subs = await admin('GET', `/v1/customers/${customerId}/subscriptions`);
  assert.deepEqual(subs.json.items.map((s) => [s.offerId, s.quantity]), [['CN-M365-BB', 25]]);
});

test('customers: found by a Chinese name and by domain as you type; CSV export follows the search', async () => {
  const { page } = ui;
  await page.getByRole('navigation').getByRole('link', { name: 'Customers' }).click();
  const search = page.getByLabel('Search');
  const q = NAME.slice(2, 6); // 测试科技: a substring of the Chinese name
  await search.fill(q);
  await page.getByText(`Customers matching “${q}” on this page: 1`).waitFor();
  assert.deepEqual(await page.locator('tr[data-customer]').evaluateAll((rows) => rows.map((r) => r.dataset.customer)), [customerId]);
  await search.fill(PREFIX);
  await page.getByText(`Customers matching “${PREFIX}” on this page: 2`).waitFor();
  await page.locator(`tr[data-customer="${customerId}"]`).waitFor();
  await page.getByText(`${PREFIX}.partner.onmschina.cn`, { exact: true }).waitFor();
  await shot(page, '07-customers-search');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  const text = await (await download.createReadStream()).toArray().then((b) => Buffer.concat(b).toString('utf8'));
  const lines = text.replace(/^\ufeff/, '').trim().split('\r\n');
  assert.equal(lines[0], 'id,companyName,domain,country,city,email,relationship,indirectReseller,associatedPartnerId');
  assert.ok(lines.some((l) => l.startsWith(customerId) && l.includes(NAME)), text);
  assert.ok(lines.some((l) => l.includes(`${PREFIX}x.partner`)), 'the domain search also matches the other customer');
  assert.equal(lines.length, 3, text);
});

test('customers: the down arrow opens subscriptions; quantity change and suspend in place', async () => {
  const { page } = ui;
  const row = page.locator(`tr[data-customer="${customerId}"]`);
  const arrow = row.getByRole('button', { name: `Subscriptions of ${NAME}` });
  assert.equal(await arrow.getAttribute('aria-expanded'), 'false');
  await arrow.click();
  assert.equal(await arrow.getAttribute('aria-expanded'), 'true');
  const qty = page.getByLabel('Licenses of Microsoft 365 Business Basic');
  await qty.fill('40');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('The license count of Microsoft 365 Business Basic was saved.').first().waitFor();
  const subs = await admin('GET', `/v1/customers/${customerId}/subscriptions`);
  assert.equal(subs.json.items[0].quantity, 40);
  await shot(page, '08-customers-subscriptions');
  page.once('dialog', (d) => d.accept()); // the confirmation with the 60-day notice
  await page.getByRole('button', { name: 'Suspend' }).click();
  await page.getByRole('button', { name: 'Reactivate' }).waitFor();
  assert.equal((await admin('GET', `/v1/customers/${customerId}/subscriptions`)).json.items[0].status, 'suspended');
  await page.getByRole('button', { name: 'Reactivate' }).click();
  await page.getByRole('button', { name: 'Suspend' }).waitFor();
  assert.equal((await admin('GET', `/v1/customers/${customerId}/subscriptions`)).json.items[0].status, 'active');
});

test('account: edit billing details; a concurrent change is shown, not overwritten', async () => {
  const { page } = ui;
  await page.goto(`${srv.base}/#/customers/${customerId}`);
  await page.getByRole('heading', { name: 'Billing profile' }).waitFor();
  await shot(page, '09-account');
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel(/City/).fill('广州');
  // meanwhile someone else changes the billing profile through the API
  const b = (await admin('GET', `/v1/customers/${customerId}/profiles/billing`)).json;
  b.defaultAddress.city = '珠海';
  const put = await admin('PUT', `/v1/customers/${customerId}/profiles/billing`, b, { 'If-Match': b.attributes.etag });
  assert.equal(put.status, 200);
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.getByText(/Someone else changed this billing profile/).waitFor();
  assert.equal(await page.getByLabel(/City/).inputValue(), '珠海', 'the form shows the newer value');
  await page.getByText(/you entered “广州”, it is now “珠海”/).waitFor();
  assert.equal((await admin('GET', `/v1/customers/${customerId}/profiles/billing`)).json.defaultAddress.city, '珠海');
  await shot(page, '10-account-conflict');
  await page.getByLabel(/City/).fill('广州');
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.getByText('The billing profile was saved.').waitFor();
  assert.equal((await admin('GET', `/v1/customers/${customerId}/profiles/billing`)).json.defaultAddress.city, '广州');
});

test('account: order more subscriptions, add and remove a customer user', async () => {
  const { page } = ui;
  await page.goto(`${srv.base}/#/customers/${customerId}`);
  await page.getByRole('heading', { name: 'Add subscriptions' }).waitFor();
  await page.locator('#order-offer').selectOption('CN-O365-E3');
  await page.locator('#order-qty').fill('99999');
  await page.getByRole('button', { name: 'Order' }).click();
  await page.locator('#order-qty[aria-invalid=true]').waitFor(); // the server's bound, next to the field
  await page.locator('#order-qty').fill('12');
  await page.getByRole('button', { name: 'Order' }).click();
  await page.getByText('The subscription was ordered.').waitFor();
  const subs = (await admin('GET', `/v1/customers/${customerId}/subscriptions`)).json.items;
  assert.deepEqual(subs.map((x) => [x.offerId, x.quantity]).sort(), [['CN-M365-BB', 40], ['CN-O365-E3', 12]]);

  await page.locator('#cu-name').fill('zhang.san');
  await page.locator('#cu-display').fill('张三');
  await page.getByRole('button', { name: 'Add user' }).click();
  const pw = await page.locator('#customer-user-password').inputValue();
  assert.equal(pw.length, 20);
  const upn = `zhang.san@${PREFIX}.partner.onmschina.cn`;
  await page.locator(`tr[data-user="${upn}"]`).waitFor();
  page.once('dialog', (d) => d.accept());
  await page.locator(`tr[data-user="${upn}"]`).getByRole('button', { name: 'Remove' }).click();
  await page.locator(`tr[data-user="${upn}"]`).waitFor({ state: 'detached' });
  const users = (await admin('GET', `/v1/customers/${customerId}/users`)).json.items.map((u) => u.userPrincipalName);
  assert.deepEqual(users, [`admin@${PREFIX}.partner.onmschina.cn`]);
});

test('account: ending a reseller relationship', async () => {
  const { page } = ui;
  const other = (await admin('GET', `/v1/customers?filter=${encodeURIComponent(JSON.stringify({ Field: 'Domain', Value: `${PREFIX}x`, Operator: 'starts_with' }))}`)).json.items[0];
  await page.goto(`${srv.base}/#/customers/${other.id}`);
  await page.getByRole('heading', { name: '占用公司', level: 1 }).waitFor(); // not the previous account's button
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'End reseller relationship' }).click();
  await page.getByRole('heading', { name: 'Customers', level: 1 }).waitFor().catch(async (e) => {
    throw new Error(`${e.message}\npage: ${await page.locator('main').innerText()}`);
  });
  const after = await admin('GET', `/v1/customers/${other.id}`);
  assert.equal(after.status === 404 ? 'none' : after.json.relationshipToPartner, 'none');
});

test('languages: switch to Chinese and German; dates and strings follow', async () => {
  const { page } = ui;
  await page.goto(`${srv.base}/#/activity`);
  await page.getByRole('heading', { name: 'Activity log' }).waitFor();
  await page.getByLabel('Language').selectOption('zh-CN');
  await page.getByRole('heading', { name: '活动日志' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  assert.ok(await page.getByRole('navigation').getByRole('link', { name: '客户', exact: true }).isVisible());
  const when = await page.locator('tbody tr td').first().textContent();
  assert.match(when, /\d{4}年\d{1,2}月\d{1,2}日/, when);
  await shot(page, '11-activity-zh');
  await page.goto(`${srv.base}/#/customers`);
  await page.getByLabel('搜索').fill('不存在的公司');
  await page.getByText('没有与“不存在的公司”匹配的客户。').waitFor().catch(async () => {
    assert.fail(`zh-CN no-match text: ${await page.locator('tbody').textContent()}`);
  });
  await page.getByLabel('语言').selectOption('de-DE');
  await page.getByRole('heading', { name: 'Kunden' }).waitFor();
  await shot(page, '12-customers-de');
  // server-side errors follow the language too
  const r = await page.evaluate(async () => (await fetch('/v1/customers?size=9999', { headers: { 'X-Locale': document.documentElement.lang } })).json());
  assert.match(r.description, /^size muss /, r.description);
  await page.getByLabel('Sprache').selectOption('en-US');
  await page.getByRole('heading', { name: 'Customers' }).waitFor();
});

test('user management: add a helpdesk agent; that role does not see Add customer and is refused', async () => {
  const { page } = ui;
  await page.getByRole('navigation').getByRole('link', { name: 'User management' }).click();
  await page.getByRole('heading', { name: 'Add a user' }).waitFor();
  await page.getByLabel(/E-mail address/).fill('helpdesk@e2e.example');
  await page.getByLabel(/Display name/).fill('Helpdesk Hu');
  await page.locator('#u-roles').getByLabel('Sales agent').uncheck();
  await page.locator('#u-roles').getByLabel('Helpdesk agent').check();
  await page.getByRole('button', { name: 'Add user' }).click();
  const temp = await page.locator('#temp-password').inputValue();
  // applications: add one (its secret once, and it works), then revoke it
  await page.locator('#app-name').fill('Nightly import');
  await page.getByRole('button', { name: 'Add application' }).click();
  const clientId = await page.locator('#app-client-id').inputValue();
  const secret = await page.locator('#app-secret').inputValue();
  const tok = await fetch(`${srv.base}/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }) });
  assert.equal(tok.status, 200);
  page.once('dialog', (d) => d.accept());
  await page.locator('tr[data-app="Nightly import"]').getByRole('button', { name: 'Revoke' }).click();
  await page.locator('tr[data-app="Nightly import"]').getByText('Revoked').waitFor();
  const again = await fetch(`${srv.base}/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }) });
  assert.equal(again.status, 400);
  assert.ok(temp.length >= 16);
  await page.locator('tr[data-user="helpdesk@e2e.example"]').waitFor();
  assert.deepEqual(await unlabelled(page), []);
  await shot(page, '13-users');

  const helpdesk = await watchedPage(browser, srv.base);
  const hp = helpdesk.page;
  await signIn(hp, 'helpdesk@e2e.example', temp);
  await hp.getByRole('heading', { name: 'Change your password' }).waitFor();
  await hp.getByLabel(/Current password/).fill(temp);
  await hp.getByLabel(/^New password\s*\*?$/).fill('Helpdesk-Pass-2026!');
  await hp.getByLabel(/New password, again/).fill('Helpdesk-Pass-2026!');
  await hp.getByRole('button', { name: 'Change password' }).click();
  await hp.getByRole('heading', { name: /Welcome/ }).waitFor();
  const nav = hp.getByRole('navigation');
  assert.ok(await nav.getByRole('link', { name: 'Customers' }).isVisible());
  for (const hidden of ['Add customer', 'User management', 'Reseller relationship'])
    assert.equal(await nav.getByRole('link', { name: hidden }).count(), 0, hidden);
  assert.ok(await nav.getByRole('link', { name: 'Activity log' }).isVisible(), 'every agent reads the activity log (#17)');
  await nav.getByRole('link', { name: 'Customers' }).click();
  await hp.locator(`tr[data-customer="${customerId}"]`).waitFor();
  assert.equal(await hp.locator('#add-customer').count(), 0);
  await hp.locator(`tr[data-customer="${customerId}"]`).getByRole('button').click();
  await hp.getByText('Microsoft 365 Business Basic').first().waitFor();
  assert.equal(await hp.getByRole('button', { name: 'Suspend' }).count(), 0, 'no subscription controls for helpdesk');
  await hp.goto(`${srv.base}/#/customers/new`);
  await hp.getByRole('heading', { name: 'Not available for your role' }).waitFor();
  const status = await hp.evaluate(async () => {
    const s = await (await fetch('/portal/session')).json();
    return (await fetch('/v1/customers', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrfToken }, body: '{}' })).status;
  });
  assert.equal(status, 403);
  await shot(hp, '14-helpdesk-customers');
  await hp.getByRole('button', { name: 'Sign out' }).click();
  await hp.getByRole('heading', { name: 'Sign in to partnerd' }).waitFor();
  assert.equal((await helpdesk.context.cookies()).filter((c) => c.name === 'pd_session' && c.value).length, 0);
  assert.deepEqual(helpdesk.problems(), []);
  await helpdesk.context.close();
});

test('reseller relationship request: invitation text and link ready to copy', async () => {
  const { page } = ui;
  await page.getByRole('navigation').getByRole('link', { name: 'Reseller relationship' }).click();
  const link = await page.getByLabel('Invitation link').inputValue();
  assert.match(link, /\/invite\/[A-Za-z0-9_-]{16,}$/);
  assert.ok((await page.getByLabel('Invitation text').inputValue()).includes(link));
  await page.getByRole('button', { name: 'Copy link' }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
  await shot(page, '15-relationship');
});

test('activity log lists what the portal did', async () => {
  const { page } = ui;
  await page.getByRole('navigation').getByRole('link', { name: 'Activity log' }).click();
  await page.getByRole('cell', { name: 'Add customer' }).first().waitFor();
  await page.getByRole('cell', { name: 'Update billing profile' }).first().waitFor();
  await shot(page, '16-activity');
});

test('phone width: no horizontal scrolling on the main pages', async () => {
  const phone = await watchedPage(browser, srv.base, { viewport: { width: 390, height: 844 } });
  await signIn(phone.page, srv.email, srv.password);
  await phone.page.getByRole('heading', { name: /Welcome/ }).waitFor();
  for (const [hash, heading] of [['#/customers', 'Customers'], ['#/customers/new', 'Add customer'], [`#/customers/${customerId}`, NAME]]) {
    await phone.page.goto(`${srv.base}/${hash}`);
    await phone.page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    const over = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(over <= 0, `${hash} overflows by ${over}px`);
  }
  await shot(phone.page, '17-phone-account');
  assert.deepEqual(phone.problems(), []);
  await phone.context.close();
});

// Issue #14: a company named =cmd|' /C calc'!A0 must not run in the spreadsheet that opens
// the portal's export (OWASP's rule, as partnerctl's: a ' in front, quoted), and user text is
// isolated (<bdi>) wherever the portal shows it.
const EVIL = `=cmd|' /C calc'!A0 ${Date.now() % 100000}`;
const EVIL_PREFIX = `csvfx${Date.now() % 1000000}`;
let evilId;

test('CSV export: the formula rule, cell by cell', async () => {
  const cells = await ui.page.evaluate(async () => {
    const { csvCell } = await import('/assets/customers.js');
    return ['=1+2', '+86 10 1234', '-2', '@SUM(A1)', '\tx', '\rx', "'=1", 'a=b', "'s-Hertogenbosch", 'x,y', 'say "hi"', '', null]
      .map((v) => csvCell(v));
  });
  assert.deepEqual(cells, ['"\'=1+2"', '"\'+86 10 1234"', '"\'-2"', '"\'@SUM(A1)"', '"\'\tx"', '"\'\rx"', '"\'\'=1"', 'a=b',
    "'s-Hertogenbosch", '"x,y"', '"say ""hi"""', '', '']);
});

test('CSV export: formula-like company names and cities come out as text', async () => {
  const { page } = ui;
  const r = await admin('POST', '/v1/customers', {
    companyProfile: { domain: `${EVIL_PREFIX}.partner.onmschina.cn` },
    billingProfile: { email: 'it@evil.example.cn', culture: 'zh-CN', language: 'zh', companyName: EVIL,
      defaultAddress: { firstName: '伟', lastName: '王', addressLine1: '海淀区中关村大街1号', city: '=1+2', state: '北京市',
        postalCode: '100080', country: 'CN', phoneNumber: '13800138000' } } });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  evilId = r.json.id;
  await page.getByRole('navigation').getByRole('link', { name: 'Customers' }).click();
  await page.getByLabel('Search').fill(EVIL_PREFIX);
  await page.locator(`tr[data-customer="${evilId}"]`).waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  const text = await (await download.createReadStream()).toArray().then((b) => Buffer.concat(b).toString('utf8'));
  const line = text.split('\r\n').find((l) => l.startsWith(evilId));
  assert.ok(line, text);
  assert.ok(line.includes(`"'${EVIL}"`) && line.includes('"\'=1+2"'), line);
  assert.ok(!/(^|,)[=+\-@]/.test(line), line);
});

test('user text is isolated: list cells, headings and details are <bdi>', async () => {
  const { page } = ui;
  const cell = page.locator(`tr[data-customer="${evilId}"] td a bdi`);
  assert.equal(await cell.textContent(), EVIL);
  assert.equal(await cell.evaluate((el) => getComputedStyle(el).unicodeBidi), 'isolate');
  const city = page.locator(`tr[data-customer="${evilId}"] td bdi`, { hasText: '=1+2' });
  assert.equal(await city.evaluate((el) => getComputedStyle(el).unicodeBidi), 'isolate');
  await page.locator(`tr[data-customer="${evilId}"] td a`).click();
  await page.getByRole('heading', { name: EVIL, level: 1 }).waitFor();
  assert.equal(await page.locator('h1 bdi').textContent(), EVIL);
  const dds = await page.locator('dd').evaluateAll((els) => els.map((el) => [el.textContent, !!el.querySelector('bdi')]));
  for (const [textContent, isolated] of dds.filter(([x]) => x.includes(EVIL) || x.includes('海淀区'))) assert.ok(isolated, textContent);
  // the search query echoed in the status line is isolated too
  await page.getByRole('navigation').getByRole('link', { name: 'Customers' }).click();
  await page.getByLabel('Search').fill(EVIL_PREFIX);
  await page.getByText(`Customers matching “${EVIL_PREFIX}” on this page: 1`).waitFor();
  assert.equal(await page.locator('[role=status] bdi', { hasText: EVIL_PREFIX }).count(), 1);
  // and the server refuses a bidirectional control in the first place
  const refused = await admin('POST', '/v1/customers', {
    companyProfile: { domain: `${EVIL_PREFIX}b.partner.onmschina.cn` },
    billingProfile: { email: 'it@evil.example.cn', culture: 'zh-CN', language: 'zh', companyName: 'Contoso \u202egnp.exe',
      defaultAddress: { firstName: '伟', lastName: '王', addressLine1: '海淀区中关村大街1号', city: '北京', state: '北京市',
        postalCode: '100080', country: 'CN', phoneNumber: '13800138000' } } });
  assert.equal(refused.status, 400);
  assert.deepEqual(refused.json.data, ['billingProfile.companyName']);
});

test('no console errors and no external requests on the admin page', () => {
  assert.deepEqual(ui.problems(), []);
});

// ---- China first (#18): the fapiao card and the USCC's province, in zh-CN ------------------------
test('zh-CN: the fapiao card on the account page: special invoice rules, saved under the etag, kept by a billing edit', async () => {
  const code = '91110000600037341L';
  const made = await admin('POST', '/v1/customers', {
    companyProfile: { domain: `${PREFIX}fp`, organizationRegistrationNumber: code },
    billingProfile: { email: 'fp@example.cn', culture: 'zh-CN', language: 'zh', companyName: '北京云端科技有限公司',
      defaultAddress: { firstName: '伟', lastName: '王', addressLine1: '海淀区中关村大街1号', city: '北京', state: '北京市',
        postalCode: '100080', country: 'CN', phoneNumber: '13800138000' } } });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const cid = made.json.id;
  const zh = await watchedPage(browser, srv.base, { locale: 'zh-CN' });
  const { page } = zh;
  await page.goto(`${srv.base}/`);
  await page.getByLabel(/电子邮件地址/).fill(srv.email);
  await page.getByLabel(/^密码/).fill(srv.password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('navigation').waitFor();
  await page.goto(`${srv.base}/#/customers/${cid}`);
  await page.getByRole('heading', { name: '开票信息', level: 2 }).waitFor();
  await page.getByText('尚未填写开票信息。').waitFor();
  await page.getByRole('button', { name: '修改开票信息' }).click();
  await page.getByLabel('发票类型').selectOption('special');
  await page.getByLabel(/注册地址/).fill('北京市海淀区中关村大街1号');
  assert.deepEqual(await unlabelled(page), []);
  await page.locator('#fapiao-submit').click();
  // a special invoice needs phone, bank and account: each named next to its field, in Chinese
  const err = page.locator('#fp-bankAccount-err');
  await err.waitFor();
  assert.match(await err.textContent(), /开具增值税专用发票时/);
  assert.equal(await page.locator('#fp-bankAccount').getAttribute('aria-invalid'), 'true');
  assert.equal((await admin('GET', `/v1/customers/${cid}/profiles/billing`)).json.fapiao, undefined, 'nothing was saved');
  await page.getByLabel(/注册电话/).fill('010-62345678');
  await page.getByLabel(/开户银行/).fill('中国工商银行北京中关村支行');
  await page.getByLabel(/银行账号/).fill('12');
  await page.locator('#fapiao-submit').click();
  await page.getByText(/8-30 位数字的银行账号/).waitFor();
  await page.getByLabel(/银行账号/).fill('6222 0212 3456 7890');
  await page.getByLabel(/数电发票/).check();
  await shot(page, '20-fapiao-edit-zh');
  await page.locator('#fapiao-submit').click();
  await page.getByText('开票信息已保存。').waitFor();
  const card = page.locator('#fapiao-card');
  for (const text of ['增值税专用发票', '6222021234567890', code, '北京云端科技有限公司', '是'])
    await card.getByText(text, { exact: true }).first().waitFor();
  await shot(page, '21-fapiao-card-zh');
  let f = (await admin('GET', `/v1/customers/${cid}/profiles/billing`)).json.fapiao;
  assert.deepEqual([f.invoiceType, f.digital, f.bankAccount, f.taxpayerId, f.title],
    ['special', true, '6222021234567890', code, '北京云端科技有限公司']);
  // someone else changes the profile: the card's etag is stale, the form says so and shows theirs
  const b = (await admin('GET', `/v1/customers/${cid}/profiles/billing`)).json;
  await page.getByRole('button', { name: '修改开票信息' }).click();
  b.fapiao.recipientName = '李雷';
  assert.equal((await admin('PUT', `/v1/customers/${cid}/profiles/billing`, b, { 'If-Match': b.attributes.etag })).status, 200);
  await page.getByLabel(/收票人$/).fill('韩梅梅');
  await page.locator('#fapiao-submit').click();
  await page.locator('#fapiao-conflict').waitFor();
  assert.equal(await page.getByLabel(/收票人$/).inputValue(), '李雷');
  await page.locator('#fapiao-cancel').click();
  // a billing edit keeps the fapiao details (the PUT replaces the whole profile)
  await page.reload();
  await page.locator('#billing-edit').click();
  await page.getByLabel(/城市/).fill('北京市');
  await page.locator('#billing-submit').click();
  await page.getByText('账单配置文件已保存。').waitFor();
  f = (await admin('GET', `/v1/customers/${cid}/profiles/billing`)).json.fapiao;
  assert.equal(f && f.bankAccount, '6222021234567890', JSON.stringify(f));
  assert.equal(f.recipientName, '李雷');
  assert.deepEqual(zh.problems(), []);
  await zh.context.close();
});

test('zh-CN: the wizard warns when the USCC was issued in another province, and takes fapiao details', async () => {
  const zh = await watchedPage(browser, srv.base, { locale: 'zh-CN' });
  const { page } = zh;
  await page.goto(`${srv.base}/`);
  await page.getByLabel(/电子邮件地址/).fill(srv.email);
  await page.getByLabel(/^密码/).fill(srv.password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('navigation').getByRole('link', { name: '添加客户' }).click();
  await page.locator('#w-regnum').waitFor();
  await page.getByLabel(/省份/).selectOption('广东省');
  await page.locator('#w-regnum').fill('91110000600037341L'); // a Beijing code
  const note = page.locator('#w-regnum-check');
  await page.getByText(/北京市的登记机关/).waitFor();
  assert.match(await note.getAttribute('class'), /warning/);
  await page.getByLabel(/省份/).selectOption('北京市');
  await page.waitForFunction(() => document.getElementById('w-regnum-check').textContent === '');
  await page.locator('#w-regnum').fill('91110000600037341X');
  await page.getByText(/校验码（第 18 位）/).waitFor();
  assert.ok(await page.locator('#w-fapiao').isVisible(), 'the optional fapiao fieldset');
  await page.getByLabel(/收票人邮箱/).fill('fp@example.cn');
  assert.deepEqual(await unlabelled(page), []);
  await shot(page, '22-wizard-uscc-zh');
  assert.deepEqual(zh.problems(), []);
  await zh.context.close();
});

test('indirect resellers: the wizard asks for one, the list shows and filters by it, the export names it', async () => {
  const mpn = String(4800000 + (Date.now() % 100000));
  const east = await admin('POST', '/v1/relationships', { name: '华东分销伙伴', mpnId: mpn, location: 'CN' });
  const gone = await admin('POST', '/v1/relationships', { name: 'Ended Reseller Co', mpnId: `${mpn}1` });
  assert.equal(east.status, 201, JSON.stringify(east.json));
  assert.equal((await admin('PATCH', `/v1/relationships/${gone.json.id}`, { state: 'Terminated' })).status, 200);
  const w = await watchedPage(browser, srv.base);
  const { page } = w;
  await signIn(page, srv.email, srv.password);
  await page.getByRole('heading', { name: /Welcome/ }).waitFor();
  await page.getByRole('navigation').getByRole('link', { name: 'Add customer' }).click();
  await page.getByRole('heading', { name: 'Account info' }).waitFor();
  // only active resellers are offered; none chosen is a direct customer
  const select = page.getByLabel(/^Indirect reseller/);
  const offered = await select.locator('option').allTextContents();
  assert.deepEqual(offered, ['None (a direct customer)', `华东分销伙伴 (MPN ${mpn})`]);
  const name = `间接客户${Date.now() % 100000}有限公司`;
  const prefix = `jianjie${Date.now() % 1000000}`;
  await page.getByLabel(/Company name/).fill(name);
  await page.getByLabel(/^Domain/).fill(prefix);
  await page.getByLabel(/First name/).fill('张');
  await page.getByLabel(/Last name/).fill('三');
  await page.getByLabel(/E-mail address/).fill('zhang@example.cn');
  await page.getByLabel(/Province/).selectOption('上海市');
  await page.getByLabel(/City/).fill('上海');
  await page.getByLabel(/Address line 1/).fill('浦东新区世纪大道1号');
  await page.getByLabel(/Postal code/).fill('200120');
  await select.selectOption(east.json.id);
  assert.deepEqual(await unlabelled(page), []);
  await shot(page, '20-wizard-reseller');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('heading', { name: 'Subscriptions', level: 2 }).waitFor();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('heading', { name: 'Review', level: 2 }).waitFor();
  await page.locator('dd', { hasText: '华东分销伙伴' }).waitFor();
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.getByRole('heading', { name: 'The customer was created' }).waitFor();
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('heading', { name }).waitFor();
  const id = page.url().split('/').pop();
  assert.equal((await admin('GET', `/v1/customers/${id}`)).json.associatedPartnerId, east.json.id);

  // the list: a reseller column, and a filter by reseller (ended ones included, marked)
  await page.getByRole('navigation').getByRole('link', { name: 'Customers' }).click();
  await page.getByRole('columnheader', { name: 'Indirect reseller' }).waitFor();
  const filter = page.getByLabel('Indirect reseller');
  assert.deepEqual(await filter.locator('option').allTextContents(), ['All customers', '华东分销伙伴', 'Ended Reseller Co (ended)']);
  await filter.selectOption(east.json.id);
  await page.getByText('Customers on this page: 1').waitFor();
  assert.equal(await page.locator(`tr[data-customer="${id}"] td.reseller`).textContent(), '华东分销伙伴');
  await shot(page, '21-customers-by-reseller');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  const text = await (await download.createReadStream()).toArray().then((b) => Buffer.concat(b).toString('utf8'));
  const lines = text.replace(/^\ufeff/, '').split('\r\n').filter((l) => l);
  assert.equal(lines[0], 'id,companyName,domain,country,city,email,relationship,indirectReseller,associatedPartnerId');
  assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), [id], text);
  assert.ok(lines[1].endsWith(`,华东分销伙伴,${east.json.id}`), lines[1]);
  await filter.selectOption(gone.json.id);
  await page.getByText('No customers yet.').waitFor();
  assert.deepEqual(w.problems(), []);
  await w.context.close();
});

test('account: the subscriptions export downloads the server\'s CSV (issue 16)', async () => {
  const { page } = ui;
  const prefix = `subcsv${Date.now() % 1000000}`;
  const r = await admin('POST', '/v1/customers', {
    companyProfile: { domain: `${prefix}.partner.onmschina.cn` },
    billingProfile: { email: 'it@subcsv.example.cn', culture: 'zh-CN', language: 'zh', companyName: `导出测试${prefix}有限公司`,
      defaultAddress: { firstName: '伟', lastName: '王', addressLine1: '海淀区中关村大街1号', city: '北京', state: '北京市',
        postalCode: '100080', country: 'CN', phoneNumber: '13800138000' } },
    lineItems: [{ offerId: 'CN-O365-E3', quantity: 7 }, { offerId: 'CN-PBI-PRO', quantity: 2 }] });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const subs = (await admin('GET', `/v1/customers/${r.json.id}/subscriptions`)).json.items;
  await page.goto(`${srv.base}/#/customers/${r.json.id}`);
  const button = page.getByRole('button', { name: 'Export subscriptions (CSV)' });
  await button.waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  const text = await (await download.createReadStream()).toArray().then((b) => Buffer.concat(b).toString('utf8'));
  const lines = text.replace(/^\ufeff/, '').split('\r\n').filter(Boolean);
  assert.equal(lines[0], 'subscriptionId,offerName,quantity,status,reseller');
  assert.equal(lines.length, 1 + subs.length, text);
  for (const s of subs) {
    const line = lines.find((l) => l.startsWith(`${s.id},`));
    assert.ok(line && line.includes(`,${s.offerName},${s.quantity},active,`), text);
  }
  await page.getByText('Exported the subscriptions.').waitFor();
  assert.deepEqual(ui.problems(), []);
});

// Issue #18: search as Chinese users type - pinyin with or without spaces and tones, initials,
// Han characters mixed with initials, Traditional characters, full-width letters - in the
// zh-CN portal; and the wizard's possible-duplicate warning, which creates nothing until the
// user confirms.
const PY_NAME = '北京云端星河科技有限公司';
const PY_PREFIX = `pinyin${Date.now() % 1000000}`;
let pyId;

function rowIds(page) {
  return page.locator('tr[data-customer]').evaluateAll((rows) => [...new Set(rows.map((r) => r.dataset.customer))]);
}

test('zh-CN: a customer is found by pinyin, initials, mixed and Traditional input as you type', async () => {
  const { page } = ui;
  const r = await admin('POST', '/v1/customers', {
    companyProfile: { domain: `${PY_PREFIX}.partner.onmschina.cn` },
    billingProfile: { email: 'it@pinyin.example.cn', culture: 'zh-CN', language: 'zh', companyName: PY_NAME,
      defaultAddress: { firstName: '伟', lastName: '王', addressLine1: '海淀区中关村大街1号', city: '北京', state: '北京市',
        postalCode: '100080', country: 'CN', phoneNumber: '13800138000' } } });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  pyId = r.json.id;
  await page.goto(`${srv.base}/#/customers`);
  await page.getByRole('heading', { name: 'Customers', level: 1 }).waitFor();
  await page.getByLabel('Language').selectOption('zh-CN');
  await page.getByRole('heading', { name: '客户', level: 1 }).waitFor();
  const search = page.getByLabel('搜索');
  for (const q of ['bjydxh', 'yunduan xinghe', 'Běijīng Yúnduān Xīnghé', '北京ydxh', '北京雲端星河', 'ＢＪＹＤＸＨ']) {
    await search.fill(q);
    await page.getByText(`本页与“${q}”匹配的客户：1`).waitFor();
    assert.deepEqual(await rowIds(page), [pyId], q);
  }
  await shot(page, '18-customers-pinyin-zh');
  await search.fill('shanghaiyunduan');
  await page.getByText('没有与“shanghaiyunduan”匹配的客户。').waitFor();
  await page.getByLabel('语言').selectOption('en-US');
  await page.getByRole('heading', { name: 'Customers', level: 1 }).waitFor();
});

test('add customer: the review step lists possible duplicates with links before Submit, and creates only after confirmation', async () => {
  const { page } = ui;
  const byPinyin = async () => (await admin('GET', `/v1/customers?filter=${encodeURIComponent(JSON.stringify({
    Field: 'CompanyName', Value: 'bjydxh', Operator: 'substring' }))}`)).json.items.length;
  await page.getByRole('navigation').getByRole('link', { name: 'Add customer' }).click();
  await page.getByRole('heading', { name: 'Account info' }).waitFor();
  await page.getByLabel(/Company name/).fill('北京雲端星河科技股份有限公司'); // Traditional, another legal form
  await page.getByLabel(/^Domain/).fill(`${PY_PREFIX}b`);
  await page.getByText(`${PY_PREFIX}b.partner.onmschina.cn is available.`).waitFor();
  await page.getByLabel(/First name/).fill('李');
  await page.getByLabel(/Last name/).fill('雷');
  await page.getByLabel(/E-mail address/).fill('li.lei@pinyin.example.cn');
  await page.getByLabel(/Phone number/).fill('13800138000');
  await page.getByLabel(/Province/).selectOption('北京市');
  await page.getByLabel(/City/).fill('北京');
  await page.getByLabel(/Address line 1/).fill('海淀区中关村大街2号');
  await page.getByLabel(/Postal code/).fill('100080');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('heading', { name: 'Subscriptions', level: 2 }).waitFor();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('heading', { name: 'Review', level: 2 }).waitFor();
  // the review step asks the server (validateOnly) before anything is submitted
  await page.getByRole('heading', { name: 'Possible duplicates' }).waitFor();
  const link = page.locator('#w-duplicates a');
  assert.equal(await link.count(), 1);
  assert.equal(await link.getAttribute('href'), `#/customers/${pyId}`);
  assert.equal(await link.textContent(), PY_NAME);
  assert.equal(await byPinyin(), 1, 'nothing is created before the user confirms');
  await shot(page, '19-wizard-duplicates');
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.getByText(/Check the possible duplicates/).waitFor();
  assert.equal(await byPinyin(), 1);
  await page.getByLabel('This is a different company: create it anyway').check();
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.getByRole('heading', { name: 'The customer was created' }).waitFor();
  assert.equal(await byPinyin(), 2);
  await page.getByRole('button', { name: 'Done' }).click();
  assert.deepEqual(ui.problems(), []);
});
