// The dashboard's page in a real browser (t/63-page.t): Debian's Chromium,
// headless, driven by playwright-core.  It logs in to the demo app, opens
// the dashboard, has curl replay the browser's cookie from another TLS
// stack, waits for the alert to appear without a reload, opens its
// timeline and saves a screenshot.  Prints one JSON line of what it saw.
//
//   node dashboard-page.js BASE_URL OUT_DIR [CHROMIUM]
'use strict';

const { chromium } = require('playwright-core');
const { execFileSync } = require('child_process');
const path = require('path');

const base = process.argv[2];
const out = process.argv[3];
const executablePath = process.argv[4] || '/usr/bin/chromium';

async function main() {
    const seen = { console_errors: [] };
    const browser = await chromium.launch({
        executablePath,
        headless: true,
        // root in a container: Chromium's sandbox needs user namespaces
        args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });

    try {
        const context = await browser.newContext({
            ignoreHTTPSErrors: true,
            viewport: { width: 1400, height: 1000 },
        });

        // The victim logs in with the demo app's form.
        const app = await context.newPage();
        await app.goto(base + '/login');
        await app.click('button');
        await app.waitForURL(base + '/');
        seen.app_says = (await app.textContent('code')).trim();
        const sid = (await context.cookies()).find((c) => c.name === 'sid');
        seen.cookie_set = Boolean(sid && sid.value);

        // The dashboard, open before the replay.
        const page = await context.newPage();
        page.on('console', (m) => {
            if (m.type() === 'error') { seen.console_errors.push(m.text()); }
        });
        page.on('pageerror', (e) => seen.console_errors.push(String(e)));
        await page.goto(base + '/guard/');
        await page.waitForFunction(() =>
            /^live/.test(document.getElementById('live-text').textContent));
        await page.evaluate(() => { window.sgNotReloaded = true; });
        seen.rows_before = await page.locator('#alerts tbody tr').count();

        // The thief: curl, another TLS stack, the stolen cookie.
        const body = execFileSync('curl', [
            '-sk', '--tls-max', '1.2', '-b', 'sid=' + sid.value,
            base + '/monitor/',
        ]).toString();
        const m = body.match(/session=([0-9a-f]{16})/);
        seen.replay_tag = (body.match(/verdict=[^<]*/) || [''])[0];
        seen.session = m ? m[1] : null;

        // The alert arrives by polling; the page was not reloaded.
        const row = page.locator('#alerts tbody tr[data-sid="' +
                                 seen.session + '"]');
        const t0 = Date.now();
        await row.first().waitFor({ timeout: 15000 });
        seen.alert_after_ms = Date.now() - t0;
        seen.not_reloaded = await page.evaluate(() =>
            window.sgNotReloaded === true);
        seen.row_text = (await row.first().innerText()).replace(/\s+/g, ' ');

        // Its timeline.
        await row.first().click();
        await page.locator('#timeline li[data-kind="alert"]').first()
            .waitFor({ timeout: 10000 });
        seen.hash = await page.evaluate(() => location.hash);
        seen.timeline = await page.locator('#timeline > li')
            .evaluateAll((lis) => lis.map((li) => ({
                kind: li.getAttribute('data-kind'),
                text: li.innerText.replace(/\s+/g, ' '),
            })));
        seen.devices = await page.locator('#devices tr').count();
        seen.places = await page.locator('#places tr').count();
        seen.chart = await page.locator('#chart svg rect').count();
        seen.charset = await page.evaluate(() => document.characterSet);

        seen.screenshot = path.join(out, 'dashboard.png');
        await page.screenshot({ path: seen.screenshot, fullPage: true });

        // The user's view, the farm and TLS tables.
        await page.evaluate(() => { location.hash = 'user=alice'; });
        const mine = page.locator('#user-sessions tbody tr[data-sid="' +
                                  seen.session + '"]');
        await mine.waitFor({ timeout: 10000 });
        seen.user_row = (await mine.innerText()).replace(/\s+/g, ' ');
        seen.farm_rows = await page.locator('#farm-ips tbody tr').count();
        seen.tls_rows = await page.locator('#tls-table tbody tr .mono')
            .allInnerTexts();
        await page.screenshot({ path: path.join(out, 'user.png') });
        seen.not_reloaded = seen.not_reloaded && await page.evaluate(() =>
            window.sgNotReloaded === true);
    } finally {
        await browser.close();
    }

    process.stdout.write(JSON.stringify(seen) + '\n');
}

main().catch((e) => {
    process.stderr.write(String(e && e.stack || e) + '\n');
    process.exit(1);
});
