// SPDX-License-Identifier: MIT
// End-to-end tests of the viewer on hostile or broken input, in Debian's chromium. Report
// strings stay text, and an unknown major version, malformed JSON or a damaged column shows an
// error instead of a blank page. The standalone page opens reports by file picker and by drop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync, readFileSync, truncateSync } from 'node:fs';
import { launchBrowser, scratchDir, makeReportPage, openViewer, fileUrl, wrapHtml, requireEnv, artifactDir } from './support.mjs';
import { HOSTILE_TEXT, generateReport } from '../make-report.mjs';
import { encodeColumns } from '../../../viz/columns.js';

let browser;
let scratch;

before(async () => {
	scratch = scratchDir();
	browser = await launchBrowser({ width: 1200, height: 800 });
});

after(async () => {
	if (browser)
		await browser.close();
	if (scratch)
		scratch.remove();
});

test('report strings stay text', async () => {
	const { html } = await makeReportPage(scratch.dir, 'hostile', { allocations: 300, hostile: true });
	const requests = [];
	browser.context.on('request', (request) => requests.push(request.url()));
	const { page, errors } = await openViewer(browser.context, fileUrl(html));
	assert.equal(await page.evaluate(() => window.cgomalViewer.status), 'ready');
	assert.deepEqual(errors, []);
	assert.equal(await page.evaluate(() => window.__cgomalInjected), undefined, 'an onerror handler ran');
	assert.equal(await page.locator('img').count(), 0, 'report text became an <img> element');
	assert.equal(await page.locator('#anomaly-list b, #tab-details b, select b').count(), 0);

	// The process name and the anomaly message show exactly as the report has them.
	const options = await page.locator('#filters select[name=process] option').allTextContents();
	assert.ok(options.includes(`${HOSTILE_TEXT} (pid 4000)`), options.join(' | '));
	await page.getByRole('tab', { name: /Anomalies/ }).click();
	const messages = await page.locator('[data-testid=anomaly-link]').allTextContents();
	assert.ok(messages.some((m) => m.endsWith(HOSTILE_TEXT)), messages.join(' | '));
	// The embedded JSON survived the </script> inside its strings, so the page contains one
	// report element.
	assert.equal(await page.locator('script[type="application/json"]').count(), 1);

	const foreign = requests.filter((url) => !url.startsWith('file://') && !url.startsWith('data:'));
	assert.deepEqual(foreign, [], 'the viewer made network requests');
	await page.screenshot({ path: join(artifactDir(), 'safety-hostile.png') });
	await page.close();
});

test('unknown major version is rejected', async () => {
	const { html } = await makeReportPage(scratch.dir, 'future', { allocations: 20, version: '2.0' });
	const { page, errors } = await openViewer(browser.context, fileUrl(html));
	assert.equal(await page.evaluate(() => window.cgomalViewer.status), 'error');
	assert.deepEqual(errors, []);
	const error = page.locator('[data-testid=error]');
	assert.equal(await error.isVisible(), true);
	assert.equal(await error.textContent(), 'future.html (embedded report) has report format version 2.0, but this viewer reads ' +
		'version 1.x only. Open it with the viewer of a cgomal release that writes version 2 (cgomal report --html embeds it).');
	assert.equal(await page.locator('[data-testid=welcome]').isVisible(), true, 'the page is not blank');
	await page.close();
});

test('malformed JSON shows an error', async () => {
	const report = generateReport({ allocations: 20 });
	const json = join(scratch.dir, 'truncated.json');
	writeFileSync(json, JSON.stringify(report).slice(0, 700));
	const html = wrapHtml(json, join(scratch.dir, 'truncated.html'));
	const { page, errors } = await openViewer(browser.context, fileUrl(html));
	assert.equal(await page.evaluate(() => window.cgomalViewer.status), 'error');
	assert.deepEqual(errors, []);
	assert.match(await page.locator('[data-testid=error]').textContent(),
		/^truncated\.html \(embedded report\) ends in the middle of the report \(.+\): the file was cut off/);
	assert.equal(await page.locator('[data-testid=welcome]').isVisible(), true);
	await page.screenshot({ path: join(artifactDir(), 'safety-malformed.png') });
	await page.close();
});

test('page cut in its script says so', async () => {
	const { html } = await makeReportPage(scratch.dir, 'whole', { allocations: 20 });
	const text = readFileSync(html, 'utf8');
	const cut = join(scratch.dir, 'cut-script.html');
	writeFileSync(cut, text.slice(0, text.indexOf('<script type="module">') + 5000));
	const page = await browser.context.newPage();
	await page.goto(fileUrl(cut));
	const error = page.locator('[data-testid=error]');
	await error.waitFor({ state: 'visible' });
	assert.equal(await error.textContent(), 'This page is incomplete or damaged: the viewer did not start. ' +
		'Write it again with cgomal report --html, or copy the whole file again.');
	assert.equal(await page.locator('[data-testid=loading]').isHidden(), true);
	assert.equal(await page.locator('#fit-button').isHidden(), true, 'no control that would do nothing');
	assert.equal(await page.evaluate(() => typeof window.cgomalViewer), 'undefined', 'the viewer did not start');
	await page.close();
});

test('bad field names the record', async () => {
	const report = generateReport({ allocations: 20 });
	report.allocations[5].free = 'soon';
	const json = join(scratch.dir, 'badfield.json');
	writeFileSync(json, JSON.stringify(report));
	const { page } = await openViewer(browser.context, fileUrl(wrapHtml(json, join(scratch.dir, 'badfield.html'))));
	assert.match(await page.locator('[data-testid=error]').textContent(), /^badfield\.html \(embedded report\): allocations\[5\]\.free is "soon", expected an integer number of nanoseconds >= 0, or null\./);
	await page.close();
});

test('damaged column names the column', async () => {
	const columns = encodeColumns(generateReport({ allocations: 20 }));
	columns.allocations.columns.free.pop();
	const json = join(scratch.dir, 'badcolumn.json');
	writeFileSync(json, JSON.stringify(columns));
	const { page, errors } = await openViewer(browser.context, fileUrl(wrapHtml(json, join(scratch.dir, 'badcolumn.html'))));
	assert.equal(await page.evaluate(() => window.cgomalViewer.status), 'error');
	assert.deepEqual(errors, []);
	assert.match(await page.locator('[data-testid=error]').textContent(),
		/^badcolumn\.html \(embedded report\): allocations\.columns\.free\.length is \d+, expected \d+, one value per record that has the field\./);
	assert.equal(await page.locator('[data-testid=welcome]').isVisible(), true, 'the page is not blank');
	await page.close();
});

test('standalone page opens files', async () => {
	const standalone = requireEnv('CGOMAL_VIZ_VIEWER_HTML');
	const { page, errors } = await openViewer(browser.context, fileUrl(standalone));
	assert.equal(await page.evaluate(() => window.cgomalViewer.status), 'empty');
	assert.equal(await page.locator('[data-testid=welcome]').isVisible(), true);

	const good = generateReport({ allocations: 100, processes: 1, ms: 1 });
	const goodPath = join(scratch.dir, 'picked.json');
	writeFileSync(goodPath, JSON.stringify(good));
	await page.setInputFiles('#file-input', goodPath);
	await page.waitForFunction(() => window.cgomalViewer.status === 'ready');
	assert.equal(await page.locator('[data-testid=source-name]').textContent(), 'picked.json');
	assert.equal(await page.evaluate(() => window.cgomalViewer.form), 'plain');
	assert.deepEqual(await page.evaluate(() => window.cgomalViewer.trackLabels()), ['demo-0 (pid 4000) M1', 'demo-0 (pid 4000) thread 4100']);

	const chrome = join(scratch.dir, 'chrome-trace.json');
	writeFileSync(chrome, JSON.stringify({ traceEvents: [] }));
	await page.setInputFiles('#file-input', chrome);
	await page.waitForFunction(() => window.cgomalViewer.status === 'error');
	assert.match(await page.locator('[data-testid=error]').textContent(), /^chrome-trace\.json is not a cgomal lifetime report: its "format" is missing/);
	// The report opened before stays, with its name, below the error.
	assert.equal(await page.locator('#viewer').isVisible(), true);
	assert.equal(await page.locator('[data-testid=source-name]').textContent(), 'picked.json');
	assert.equal(await page.locator('[data-testid=welcome]').isHidden(), true);

	// Drop a report on the page, as a user drags a file from a file manager.
	const text = readFileSync(goodPath, 'utf8');
	await page.evaluate((content) => {
		const transfer = new DataTransfer();
		transfer.items.add(new File([content], 'dropped.json', { type: 'application/json' }));
		document.body.dispatchEvent(new DragEvent('dragenter', { dataTransfer: transfer, bubbles: true }));
		document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
	}, text);
	await page.waitForFunction(() => window.cgomalViewer.status === 'ready');
	assert.equal(await page.locator('[data-testid=source-name]').textContent(), 'dropped.json');
	assert.equal(await page.locator('#drop-overlay').isHidden(), true);
	assert.equal(await page.locator('[data-testid=error]').isHidden(), true);

	// A file longer than chromium's longest string (a sparse file, so it costs no disk space).
	const huge = join(scratch.dir, 'huge.json');
	writeFileSync(huge, '');
	truncateSync(huge, 600 * 2 ** 20);
	await page.setInputFiles('#file-input', huge);
	await page.waitForFunction(() => window.cgomalViewer.status === 'error', null, { timeout: 60000 });
	assert.match(await page.locator('[data-testid=error]').textContent(),
		/^huge\.json \(600 MiB\) is too large for this browser to read as text\. Open the page that cgomal report --html writes/);
	assert.deepEqual(errors, []);
	await page.close();
});

test('empty report says so', async () => {
	const { html } = await makeReportPage(scratch.dir, 'empty', { processes: 0 });
	const { page, errors } = await openViewer(browser.context, fileUrl(html));
	assert.equal(await page.evaluate(() => window.cgomalViewer.status), 'ready');
	assert.deepEqual(errors, []);
	assert.deepEqual(await page.evaluate(() => window.cgomalViewer.trackLabels()), []);
	assert.equal(await page.evaluate(() => window.cgomalViewer.lastFrame.rows), 0);
	// The note is drawn on the canvas: its text colour appears where the first line starts.
	const drawn = await page.evaluate(() => {
		const canvas = document.getElementById('canvas');
		const ratio = window.devicePixelRatio || 1;
		const data = canvas.getContext('2d').getImageData(0, 40 * ratio, canvas.width, 20 * ratio).data;
		let dark = 0;
		for (let i = 0; i < data.length; i += 4)
			dark += data[i] < 160 ? 1 : 0;
		return dark;
	});
	assert.ok(drawn > 50, `${drawn} dark pixels where the note should be`);
	await page.screenshot({ path: join(artifactDir(), 'safety-empty.png') });
	await page.close();
});

test('long anomaly list pages', async () => {
	const report = generateReport({ allocations: 400, processes: 1, ms: 1 });
	const template = report.anomalies.find((a) => a.allocation !== null);
	for (let i = 0; i < 700; i++)
		report.anomalies.push({ ...template, message: `extra finding ${i}` });
	const json = join(scratch.dir, 'many-anomalies.json');
	writeFileSync(json, JSON.stringify(report));
	const { page, errors } = await openViewer(browser.context, fileUrl(wrapHtml(json, join(scratch.dir, 'many-anomalies.html'))));
	const total = report.anomalies.length;
	const items = page.locator('[data-testid=anomaly]');
	assert.equal(await items.count(), 300);
	await page.getByRole('button', { name: new RegExp(`^show 300 more of ${total - 300}$`) }).click();
	assert.equal(await items.count(), 600);
	await page.getByRole('button', { name: new RegExp(`^show ${total - 600} more of ${total - 600}$`) }).click();
	assert.equal(await items.count(), total);
	assert.equal(await page.getByRole('button', { name: /^show \d+ more/ }).count(), 0);
	assert.deepEqual(errors, []);
	await page.close();
});
