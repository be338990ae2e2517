// SPDX-License-Identifier: MIT
// End-to-end test of the whole chain in Debian's chromium. record-report.sh records the runtime's
// scenario in a real LTTng session and writes the viewer page of its `cgomal report`. The test
// checks that the page embeds the columnar form of the plain report, then tracks, GC bands and
// the freed_while_pinned anomaly, follows the anomaly, clicks the
// allocation, zooms and keeps a screenshot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { launchBrowser, openViewer, fileUrl, artifactDir, requireEnv, loadSchemaValidator } from '../e2e/support.mjs';
import { embeddedJson, firstDifference } from '../columns-match.mjs';
import { encodeColumns } from '../../../viz/columns.js';

const dir = requireEnv('CGOMAL_VIZ_RECORDED_DIR');
const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
let browser;
let page;
let errors;

before(async () => {
	browser = await launchBrowser();
	({ page, errors } = await openViewer(browser.context, fileUrl(join(dir, 'report.html'))));
});

after(async () => {
	if (browser)
		await browser.close();
});

test('recorded report follows the schema', () => {
	const validate = loadSchemaValidator();
	assert.ok(validate(report), JSON.stringify(validate.errors));
	assert.ok(report.gc_cycles.length >= 1, 'the scenario forces collections');
	assert.ok(report.calls.length >= 2, 'the scenario makes foreign calls');
	assert.equal(report.anomalies.filter((a) => a.kind === 'freed_while_pinned').length, 1);
});

test('page embeds the columnar form', () => {
	const embedded = embeddedJson(readFileSync(join(dir, 'report.html'), 'utf8'));
	assert.notEqual(embedded, null, 'report.html embeds a report');
	const columns = JSON.parse(embedded);
	assert.equal(columns.layout, 'columns');
	assert.equal(firstDifference(encodeColumns(report), columns), null);
});

test('tracks follow the recorded Ms', async () => {
	assert.equal(await page.evaluate(() => window.cgomalViewer.form), 'columns');
	assert.equal(await page.evaluate(() => window.cgomalViewer.status), 'ready');
	assert.deepEqual(errors, []);
	const expected = [...report.processes].sort((a, b) => a.trace - b.trace || a.pid - b.pid)
		.flatMap((p) => [...p.ms].sort((a, b) => a.m - b.m).map((m) => `${p.procname} (pid ${p.pid}) M${m.m}`));
	assert.ok(expected.length >= 2, 'the scenario runs a second thread');
	assert.deepEqual(await page.evaluate(() => window.cgomalViewer.trackLabels()), expected);
	const frame = await page.evaluate(() => window.cgomalViewer.lastFrame);
	assert.ok(frame.gcBands > 0, 'GC bands drawn');
	assert.ok(frame.callSpans > 0, 'call spans drawn');
	assert.ok(frame.allocationBars > 0, 'lifetime bars drawn');
	assert.ok(frame.counterColumns > 0, 'counters drawn');
});

test('freed_while_pinned leads to details', async () => {
	const anomaly = report.anomalies.find((a) => a.kind === 'freed_while_pinned');
	const record = report.allocations.find((a) => a.id === anomaly.allocation);
	assert.ok(record, `allocation ${anomaly.allocation} is in the report`);
	await page.getByRole('tab', { name: /Anomalies/ }).click();
	const item = page.locator('[data-testid=anomaly][data-kind=freed_while_pinned]');
	assert.equal(await item.count(), 1);
	assert.equal(await item.locator('[data-testid=anomaly-link]').textContent(), anomaly.message);
	await item.locator('[data-testid=anomaly-link]').click();
	const index = await page.evaluate((id) => window.cgomalViewer.allocationIndex(id), record.id);
	await page.waitForFunction((i) => window.cgomalViewer.selection.allocation === i, index);

	const details = page.locator('[data-testid=details]');
	assert.match(await details.locator('h3').first().textContent(), new RegExp(`^Allocation ${record.id}: cgo, `));
	assert.equal(await details.locator('tr[data-field=addr] td').nth(1).textContent(), record.addr);
	assert.equal(await details.locator('tr[data-field=state] td').nth(1).textContent(), 'freed');
	assert.match(await details.locator('[data-testid=details-gc]').textContent(), new RegExp(`^GC cycle ${record.gc_cycle} `));
	assert.match(await details.locator('[data-testid=details-call]').textContent(), /^call \d+ \(cgocall 0x[0-9a-f]+, depth \d\)$/);
	const selection = await page.evaluate(() => window.cgomalViewer.selection);
	assert.ok(selection.call >= 0, 'its call is highlighted');
	assert.ok(selection.gcCycle >= 0, 'the GC cycle that freed it is highlighted');

	// Click the bar itself, where the jump put it, and read the tooltip and details again.
	await page.evaluate(() => window.cgomalViewer.renderNow());
	const at = await page.evaluate((i) => window.cgomalViewer.locateAllocation(i), index);
	assert.ok(at, 'the allocation is on screen after the jump');
	const box = await page.locator('[data-testid=timeline]').boundingBox();
	await page.mouse.move(box.x + at.x, box.y + at.y);
	await page.locator('[data-testid=tooltip]').waitFor({ state: 'visible' });
	assert.match(await page.locator('[data-testid=tooltip]').textContent(), new RegExp(`^allocation ${record.id} · cgo`));
	await page.keyboard.press('Escape');
	assert.equal((await page.evaluate(() => window.cgomalViewer.selection)).allocation, -1);
	await page.mouse.click(box.x + at.x, box.y + at.y);
	await page.waitForFunction((i) => window.cgomalViewer.selection.allocation === i, index);
	await page.screenshot({ path: join(artifactDir(), 'recorded-anomaly.png') });
});

test('wheel zooms the recorded report', async () => {
	await page.keyboard.press('0');
	const before = await page.evaluate(() => window.cgomalViewer.view);
	const box = await page.locator('[data-testid=timeline]').boundingBox();
	await page.mouse.move(box.x + box.width * 0.6, box.y + 120);
	await page.mouse.wheel(0, -400);
	await page.waitForFunction((n) => window.cgomalViewer.view.nsPerPx < n / 2, before.nsPerPx);
	await page.screenshot({ path: join(artifactDir(), 'recorded-zoomed.png') });
	assert.deepEqual(errors, []);
});
