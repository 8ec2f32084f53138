// Browser side of tests/test_web_ui.py: drives Debian's chromium through
// playwright-core. Reads one JSON command per line on stdin, answers one
// JSON line on stdout: {"ok": true, "value": ...} or {"ok": false, "error"}.
import { chromium } from 'playwright-core';
import { createInterface } from 'node:readline';

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const pages = new Map();
const consoleLog = [];
const mockedCalls = [];

// Collected in every page before its own scripts run.
const watch = `
  window.__csp = [];
  window.__longtasks = [];
  document.addEventListener('securitypolicyviolation', (e) =>
    window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
  try {
    new PerformanceObserver((list) => {
      for (const t of list.getEntries()) window.__longtasks.push(t.duration);
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) {}
`;

async function open({ name, width = 1280, height = 900, scheme = 'light' }) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme: scheme });
  const page = await context.newPage();
  await page.addInitScript(watch);
  page.on('console', (m) => consoleLog.push({ page: name, type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => consoleLog.push({ page: name, type: 'pageerror', text: String(e) }));
  // Confirmations (revoking a key) are answered yes.
  page.on('dialog', (d) => d.accept());
  pages.set(name, page);
  return true;
}

const ops = {
  open,
  async close({ name }) { await pages.get(name).context().close(); pages.delete(name); return true; },
  async goto({ name, url }) { await pages.get(name).goto(url); return true; },
  async fill({ name, selector, value }) { await pages.get(name).fill(selector, value); return true; },
  async click({ name, selector }) { await pages.get(name).click(selector); return true; },
  async select({ name, selector, value }) { await pages.get(name).selectOption(selector, value); return true; },
  async press({ name, selector, key }) { await pages.get(name).press(selector, key); return true; },
  async text({ name, selector }) { return pages.get(name).textContent(selector); },
  // Polls with evaluate (the DevTools protocol, which the page's CSP does not
  // govern; waitForFunction would need eval inside the page).
  async wait({ name, expr, ms = 10000 }) {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await pages.get(name).evaluate(expr).catch((e) => {
        if (Date.now() > deadline) throw e;
        return null;
      });
      if (value) return value;
      if (Date.now() > deadline) throw new Error('timed out after ' + ms + ' ms: ' + expr);
      await new Promise((r) => setTimeout(r, 15));
    }
  },
  async eval({ name, expr }) { return pages.get(name).evaluate(expr); },
  async shot({ name, path, full = false }) { await pages.get(name).screenshot({ path, fullPage: full }); return path; },
  async console() { return consoleLog; },
  // Answers requests of `method` to `url` (a glob) with `status` and the
  // JSON `body`, and records them (mocked() hands the records over): for
  // answers a route of this tree does not give yet.
  async mock({ name, url, method, status = 200, body }) {
    await pages.get(name).route(url, async (route) => {
      const req = route.request();
      if (method && req.method() !== method) return route.fallback();
      mockedCalls.push({ url: req.url(), method: req.method(), body: req.postData() });
      await route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
    });
    return true;
  },
  async unmock({ name }) { await pages.get(name).unrouteAll({ behavior: 'wait' }); return true; },
  async mocked() { return mockedCalls.splice(0); },
};

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  let reply;
  try {
    const cmd = JSON.parse(line);
    reply = { ok: true, value: (await ops[cmd.op](cmd)) ?? null };
  } catch (e) {
    reply = { ok: false, error: String(e && e.stack || e) };
  }
  process.stdout.write(JSON.stringify(reply) + '\n');
}
await browser.close();
