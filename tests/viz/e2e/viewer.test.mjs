// SPDX-License-Identifier: MIT
// End-to-end tests of the viewer in Debian's chromium. A report page written through the
// viewer's C library opens offline and draws tracks, GC bands and calls. The tests click an
// allocation for its details, zoom, pan, select a range, filter and follow anomalies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchBrowser, scratchDir, makeReportPage, openViewer, fileUrl, artifactDir } from './support.mjs';

let browser;
let scratch;
let page;
let errors;
let report;

before(async () => {
	scratch = scratchDir();
	({ report } = await makeReportPage(scratch.dir, 'viewer', { allocations: 3000, processes: 2, ms: 3, seed: 21 }));
	browser = await launchBrowser();
	({ page, errors } = await openViewer(browser.context, fileUrl(join(scratch.dir, 'viewer.html'))));
});

after(async () => {
	if (browser)
		await browser.close();
	if (scratch)
		scratch.remove();
});

const viewer = (expression) => page.evaluate(expression);

test('report opens with tracks', async () => {
	assert.equal(await viewer(() => window.cgomalViewer.status), 'ready', await viewer(() => window.cgomalViewer.error));
	assert.deepEqual(errors, []);
	assert.equal(await viewer(() => window.cgomalViewer.form), 'columns');
	assert.equal(await page.locator('[data-testid=error]').isHidden(), true);
	assert.equal(await page.locator('[data-testid=loading]').isHidden(), true);
	const labels = await viewer(() => window.cgomalViewer.trackLabels());
	assert.deepEqual(labels, [
		'demo-0 (pid 4000) M1', 'demo-0 (pid 4000) M2', 'demo-0 (pid 4000) M3', 'demo-0 (pid 4000) thread 4100',
		'demo-1 (pid 4001) M1', 'demo-1 (pid 4001) M2', 'demo-1 (pid 4001) M3', 'demo-1 (pid 4001) thread 4101',
	]);
	const frame = await viewer(() => window.cgomalViewer.lastFrame);
	assert.ok(frame.rows > 10, `rows ${frame.rows}`);
	assert.ok(frame.gcBands > 0, 'GC bands drawn');
	assert.ok(frame.callSpans > 0, 'call spans drawn');
	assert.ok(frame.allocationBars > 0, 'lifetime bars drawn');
	assert.ok(frame.counterColumns > 0, 'counters drawn');
	assert.ok(frame.discarded > 0, 'discarded window drawn');
	assert.ok(await viewer(() => window.cgomalViewer.rowCount('call')) >= 3 * 6);
	const timings = await viewer(() => window.cgomalViewer.timings);
	assert.ok(timings.totalMs > 0, JSON.stringify(timings));
	assert.ok(timings.totalMs < 20000, JSON.stringify(timings));
});

test('GC band pixels are drawn', async () => {
	// Read the canvas in the header row of the first M, which only GC bands paint in the time
	// area: the band colour shows in the middle of a GC cycle and not a few pixels before it.
	const cycle = report.gc_cycles.find((c) => c.pid === 4000);
	const colours = await page.evaluate(({ start, end }) => {
		const canvas = document.getElementById('canvas');
		const view = window.cgomalViewer.view;
		const ratio = window.devicePixelRatio || 1;
		const ctx = canvas.getContext('2d');
		const gutter = canvas.clientWidth - view.width;
		const x = gutter + ((start + end) / 2 - view.start) / view.nsPerPx;
		const before = gutter + (start - view.start) / view.nsPerPx - 6;
		// Axis 26 px, process header 22 px, live bytes 34 px, then the M1 header (16 px).
		const y = 26 + 22 + 34 + 8;
		const read = (px) => [...ctx.getImageData(Math.round(px * ratio), Math.round(y * ratio), 1, 1).data];
		return { inside: read(x), before: read(before) };
	}, { start: cycle.start, end: cycle.end });
	assert.notDeepEqual(colours.inside, colours.before, `band ${colours.inside} vs outside ${colours.before}`);
	// The band is a translucent amber over white: more red than blue.
	assert.ok(colours.inside[0] > colours.inside[2] + 20, `band colour ${colours.inside}`);
});

test('anomaly list shows each kind', async () => {
	await page.getByRole('tab', { name: /Anomalies/ }).click();
	const live = report.anomalies.filter((a) => a.kind === 'live_at_end').length;
	assert.equal(await page.locator('#anomaly-count').textContent(), `(${report.anomalies.length - live} · ${live} live at end)`);
	const items = page.locator('[data-testid=anomaly]');
	const expected = Math.min(report.anomalies.length, 300);
	assert.equal(await items.count(), expected);
	const kinds = new Set(await items.evaluateAll((nodes) => nodes.map((n) => n.dataset.kind)));
	assert.deepEqual([...kinds].sort(), ['freed_while_pinned', 'live_at_end', 'unterminated_call']);
	// The most urgent kind leads the list and the kind menu, whatever the report's order.
	assert.equal(await items.first().getAttribute('data-kind'), 'freed_while_pinned');
	assert.match(await page.locator('[data-testid=anomaly-hint]').textContent(),
		new RegExp(`^${report.anomalies.filter((a) => a.kind === 'live_at_end').length} live_at_end: allocations still allocated`));
	const menu = await page.locator('#anomaly-kind option').evaluateAll((nodes) => nodes.map((n) => n.value));
	assert.deepEqual(menu, ['', 'freed_while_pinned', 'unterminated_call', 'live_at_end']);
	await page.selectOption('#anomaly-kind', 'freed_while_pinned');
	assert.equal(await items.count(), report.anomalies.filter((a) => a.kind === 'freed_while_pinned').length);
});

test('anomaly link jumps to it', async () => {
	const anomaly = report.anomalies.find((a) => a.kind === 'freed_while_pinned');
	await page.selectOption('#anomaly-kind', 'freed_while_pinned');
	await page.locator('[data-testid=anomaly-link]').first().click();
	await page.waitForFunction(() => window.cgomalViewer.selection.allocation >= 0);
	const state = await viewer(() => ({ selection: window.cgomalViewer.selection, view: window.cgomalViewer.view }));
	const index = await page.evaluate((id) => window.cgomalViewer.allocationIndex(id), anomaly.allocation);
	assert.equal(state.selection.allocation, index);
	const record = report.allocations.find((a) => a.id === anomaly.allocation);
	const viewEnd = state.view.start + state.view.nsPerPx * state.view.width;
	assert.ok(state.view.start <= record.alloc, 'the allocation starts in view');
	assert.ok(viewEnd >= record.free, 'the allocation ends in view');
	assert.ok(state.view.nsPerPx * state.view.width < report.end / 10, 'the view zoomed in');
	await assertDetailsOf(record);
});

// Checks that the details panel shows RECORD's fields, its call and the GC cycle that freed it.
async function assertDetailsOf(record) {
	const details = page.locator('[data-testid=details]');
	await details.waitFor({ state: 'visible' });
	assert.match(await details.locator('h3').first().textContent(), new RegExp(`^Allocation ${record.id}: ${record.kind}`));
	for (const field of ['id', 'addr', 'size', 'state', 'gc_cycle', 'alloc', 'free']) {
		const value = await details.locator(`tr[data-field=${field}] td`).nth(1).textContent();
		assert.ok(value.includes(String(record[field])), `${field}: ${value} lacks ${record[field]}`);
	}
	if (record.gc_cycle !== null)
		assert.match(await details.locator('[data-testid=details-gc]').textContent(), new RegExp(`GC cycle ${record.gc_cycle}\\b`));
	const selection = await viewer(() => window.cgomalViewer.selection);
	if (record.kind === 'cgo') {
		assert.ok(selection.call >= 0, 'its call is highlighted');
		assert.match(await details.locator('[data-testid=details-call]').textContent(), /^call \d+ \(cgocall 0x[0-9a-f]+, depth \d\)$/);
	}
	if (record.gc_cycle !== null)
		assert.ok(selection.gcCycle >= 0, 'its GC cycle is highlighted');
}

test('click on a bar shows details', async () => {
	await page.keyboard.press('0');
	// The longest-lived freed cgo allocation that sits in a lane (not in the overflow row).
	const candidates = report.allocations.filter((a) => a.kind === 'cgo' && a.state === 'freed' && a.pid === 4000)
		.sort((a, b) => (b.free - b.alloc) - (a.free - a.alloc));
	const picked = await page.evaluate((ids) => {
		for (const id of ids) {
			const index = window.cgomalViewer.allocationIndex(id);
			if (window.cgomalViewer.locateAllocation(index))
				return { id, index };
		}
		return null;
	}, candidates.slice(0, 200).map((a) => a.id));
	assert.ok(picked, 'a cgo lifetime is laid out in a lane');
	const record = report.allocations.find((a) => a.id === picked.id);
	const box = await page.locator('[data-testid=timeline]').boundingBox();
	const locate = () => page.evaluate((i) => window.cgomalViewer.locateAllocation(i), picked.index);

	// Zoom in with W around the bar, which keeps it under the pointer, until it is wide.
	for (let i = 0; i < 60; i++) {
		const at = await locate();
		assert.ok(at, `the bar left the view after ${i} zoom steps`);
		await page.mouse.move(box.x + at.x, box.y + at.y);
		const nsPerPx = await viewer(() => window.cgomalViewer.view.nsPerPx);
		if ((record.free - record.alloc) / nsPerPx >= 30)
			break;
		await page.keyboard.press('w');
	}
	const target = await locate();
	await page.mouse.move(box.x + target.x, box.y + target.y + 1);
	const tooltip = page.locator('[data-testid=tooltip]');
	await tooltip.waitFor({ state: 'visible' });
	assert.match(await tooltip.textContent(), new RegExp(`^allocation ${record.id} · cgo`));
	await page.mouse.click(box.x + target.x, box.y + target.y);
	await page.waitForFunction((i) => window.cgomalViewer.selection.allocation === i, picked.index);
	await assertDetailsOf(record);
	await page.screenshot({ path: join(artifactDir(), 'viewer-selected.png') });
});

test('wheel and keys zoom around the pointer', async () => {
	await page.keyboard.press('0');
	const box = await page.locator('[data-testid=timeline]').boundingBox();
	const fitted = await viewer(() => window.cgomalViewer.view);
	const gutter = box.width - fitted.width;
	const x = gutter + fitted.width * 0.3;
	await page.mouse.move(box.x + x, box.y + 200);
	const timeAt = (view) => view.start + (x - gutter) * view.nsPerPx;
	await page.mouse.wheel(0, -300);
	await page.waitForFunction((n) => window.cgomalViewer.view.nsPerPx < n, fitted.nsPerPx);
	const wheeled = await viewer(() => window.cgomalViewer.view);
	assert.ok(wheeled.nsPerPx < fitted.nsPerPx / 2, `wheel zoom ${fitted.nsPerPx} -> ${wheeled.nsPerPx}`);
	assert.ok(Math.abs(timeAt(wheeled) - timeAt(fitted)) < fitted.nsPerPx, 'time under the pointer kept');

	await page.keyboard.press('w');
	const keyed = await viewer(() => window.cgomalViewer.view);
	assert.ok(Math.abs(keyed.nsPerPx - wheeled.nsPerPx / 1.3) < 1e-6 * wheeled.nsPerPx);
	assert.ok(Math.abs(timeAt(keyed) - timeAt(wheeled)) < wheeled.nsPerPx);
	await page.keyboard.press('s');
	await page.keyboard.press('s');
	const out = await viewer(() => window.cgomalViewer.view);
	assert.ok(out.nsPerPx > keyed.nsPerPx);

	await page.keyboard.press('d');
	const panned = await viewer(() => window.cgomalViewer.view);
	assert.ok(Math.abs(panned.start - (out.start + 0.15 * out.width * out.nsPerPx)) < 1e-6 * out.nsPerPx * out.width);
	await page.mouse.move(box.x + x, box.y + 300);
	await page.mouse.down();
	await page.mouse.move(box.x + x - 100, box.y + 300, { steps: 5 });
	await page.mouse.up();
	const dragged = await viewer(() => window.cgomalViewer.view);
	assert.ok(Math.abs(dragged.start - (panned.start + 100 * panned.nsPerPx)) < panned.nsPerPx, 'drag pans by the pointer distance');

	const frame = await viewer(() => window.cgomalViewer.lastFrame);
	assert.ok(frame.allocationBars > 0);
	await page.screenshot({ path: join(artifactDir(), 'viewer-zoomed.png') });
	await page.keyboard.press('0');
	const refit = await viewer(() => window.cgomalViewer.view);
	assert.ok(Math.abs(refit.nsPerPx - fitted.nsPerPx) < 1e-9 * fitted.nsPerPx, 'key 0 fits all again');
});

test('shift drag lists a range', async () => {
	await page.keyboard.press('0');
	const box = await page.locator('[data-testid=timeline]').boundingBox();
	const view = await viewer(() => window.cgomalViewer.view);
	const gutter = box.width - view.width;
	const x0 = gutter + view.width * 0.2;
	const x1 = gutter + view.width * 0.4;
	await page.keyboard.down('Shift');
	await page.mouse.move(box.x + x0, box.y + 150);
	await page.mouse.down();
	await page.mouse.move(box.x + x1, box.y + 160, { steps: 6 });
	await page.mouse.up();
	await page.keyboard.up('Shift');
	const range = (await viewer(() => window.cgomalViewer.selection)).range;
	assert.ok(range, 'a range is selected');
	assert.ok(range[1] > range[0], `range ${range}`);
	const count = (field) => report.allocations.filter((a) => a[field] !== null && a[field] >= range[0] && a[field] <= range[1]).length;
	const selection = page.locator('[data-testid=selection]');
	const heading = async (verb) => (await selection.locator(`[data-testid=range-${verb}]`).textContent()).replace(/\u2009/g, '');
	assert.equal(await heading('allocated'), `${count('alloc')} allocated`);
	assert.equal(await heading('released'), `${count('release')} released`);
	assert.equal(await heading('freed'), `${count('free')} freed`);
	await page.keyboard.press('f');
	const fitted = await viewer(() => window.cgomalViewer.view);
	assert.ok(fitted.start <= range[0], 'the range starts in view');
	assert.ok(fitted.start + fitted.nsPerPx * fitted.width >= range[1], 'the range ends in view');
	assert.ok(fitted.nsPerPx < view.nsPerPx / 3, 'F fits the selected range');
	await page.keyboard.press('Escape');
	assert.equal((await viewer(() => window.cgomalViewer.selection)).range, null);
	assert.equal(await selection.locator('[data-testid^=range-]').count(), 0, 'Esc clears the listed range');
	assert.match(await selection.textContent(), /^Shift and drag on the timeline to select a time range\.$/);
});

test('filters change tracks and summary', async () => {
	await page.getByRole('tab', { name: /Filters/ }).click();
	await page.locator('#filters input[value=cgo]').uncheck();
	await page.locator('#filters input[value=managed]').uncheck();
	const malloc = report.allocations.filter((a) => a.kind === 'malloc');
	await page.getByRole('tab', { name: 'Summary' }).click();
	const table = page.locator('[data-testid=kind-state-table]');
	const total = (await table.locator('tr').last().textContent()).replace(/\u2009/g, '');
	assert.ok(total.startsWith(`total${malloc.length}`), total);
	await page.getByRole('tab', { name: /Filters/ }).click();
	await page.locator('#filters input[name=sizeMin]').fill('lots');
	await page.locator('#filters input[name=sizeMin]').dispatchEvent('change');
	assert.match(await page.locator('[data-testid=filter-error]').textContent(),
		/^Minimum size: "lots" is not a size: .+\. The filters applied before still hold\.$/);
	await page.locator('#filters input[name=sizeMin]').fill('100');
	await page.locator('#filters input[name=sizeMax]').fill('10');
	await page.locator('#filters input[name=sizeMax]').dispatchEvent('change');
	assert.equal(await page.locator('[data-testid=filter-error]').textContent(),
		'Size: the minimum 100 B is above the maximum 10 B. The filters applied before still hold.');
	await page.locator('#filters input[name=sizeMax]').fill('');
	await page.locator('#filters input[name=sizeMin]').fill('');
	await page.selectOption('#filters select[name=process]', '0/4001');
	const labels = await viewer(() => window.cgomalViewer.trackLabels());
	assert.equal(labels.length, 4, labels.join());
	assert.ok(labels.every((l) => l.startsWith('demo-1')), labels.join());
	await page.locator('#filters button[type=reset]').click();
	await page.waitForFunction(() => window.cgomalViewer.trackLabels().length === 8);
	await page.getByRole('tab', { name: 'Summary' }).click();
	const reset = (await table.locator('tr').last().textContent()).replace(/\u2009/g, '');
	assert.ok(reset.startsWith(`total${report.allocations.length}`), reset);
	assert.ok(await page.locator('[data-testid=lifetime-histogram] .bar').count() > 3);
	assert.ok(await page.locator('[data-testid=heaviest-table] tr').count() > 1);
	await page.screenshot({ path: join(artifactDir(), 'viewer-summary.png') });
	assert.deepEqual(errors, []);
});

test('process header folds its tracks', async () => {
	await page.keyboard.press('0');
	const box = await page.locator('[data-testid=timeline]').boundingBox();
	const rows = () => page.evaluate(() => window.cgomalViewer.rowCount('allocation'));
	const before = await rows();
	// The first process header is the first row under the 26 px axis; click its name.
	await page.mouse.click(box.x + 40, box.y + 26 + 10);
	const folded = await rows();
	assert.ok(folded < before, `${before} -> ${folded} lifetime rows`);
	assert.ok(folded > 0, 'the other process still shows');
	await page.mouse.click(box.x + 40, box.y + 26 + 10);
	assert.equal(await rows(), before);
});

test('discarded window has a tooltip', async () => {
	await page.keyboard.press('0');
	const lost = report.discarded[0];
	const box = await page.locator('[data-testid=timeline]').boundingBox();
	const view = await viewer(() => window.cgomalViewer.view);
	const gutter = box.width - view.width;
	const x = gutter + ((lost.begin + lost.end) / 2 - view.start) / view.nsPerPx;
	// The M1 header row of the first process: only bands and windows are drawn there.
	await page.mouse.move(box.x + x, box.y + 26 + 22 + 34 + 8);
	const tooltip = page.locator('[data-testid=tooltip]');
	await tooltip.waitFor({ state: 'visible' });
	assert.match(await tooltip.textContent(), /^the tracer lost 12 events between /);
});

test('pointer moves redraw no track', async () => {
	await page.keyboard.press('0');
	const box = await page.locator('[data-testid=timeline]').boundingBox();
	await page.mouse.move(box.x + 600, box.y + 300);
	await page.waitForTimeout(100);
	const before = await viewer(() => window.cgomalViewer.frames);
	for (let x = 610; x <= 700; x += 10)
		await page.mouse.move(box.x + x, box.y + 300);
	await page.waitForTimeout(100);
	assert.equal(await viewer(() => window.cgomalViewer.frames), before, 'the timeline was redrawn');
	// The overlay shows the pointer's time line at the last position.
	const line = await page.evaluate(() => {
		const overlay = document.getElementById('overlay');
		const ratio = window.devicePixelRatio || 1;
		const ctx = overlay.getContext('2d');
		return { at: ctx.getImageData(700 * ratio, 400 * ratio, 1, 1).data[3], beside: ctx.getImageData(690 * ratio, 400 * ratio, 1, 1).data[3] };
	});
	assert.ok(line.at > 0, 'no line under the pointer');
	assert.equal(line.beside, 0, 'an old line stayed');
});

test('summary names every colour', async () => {
	await page.getByRole('tab', { name: 'Summary' }).click();
	const items = page.locator('[data-testid=legend] li');
	assert.deepEqual(await items.allTextContents(), [
		'cgo allocation, pinned (its foreign call runs)', 'cgo allocation, released (collectable)',
		'managed or malloc allocation', 'foreign call (cgocall)', 'callback into managed code',
		'GC cycle', 'events lost by the tracer', 'anomaly',
	]);
	const swatches = await items.locator('.swatch').evaluateAll((nodes) => nodes.map((n) => getComputedStyle(n).backgroundColor));
	assert.equal(new Set(swatches).size, swatches.length, `colours repeat: ${swatches}`);
});

test('anomaly jump unfolds its process', async () => {
	await page.keyboard.press('0');
	const box = await page.locator('[data-testid=timeline]').boundingBox();
	const rows = () => page.evaluate(() => window.cgomalViewer.rowCount('allocation'));
	const unfolded = await rows();
	await page.mouse.click(box.x + 40, box.y + 26 + 10);
	assert.ok(await rows() < unfolded, 'the first process folded');
	const anomaly = report.anomalies.find((a) => a.kind === 'freed_while_pinned' && a.pid === 4000);
	await page.getByRole('tab', { name: /Anomalies/ }).click();
	await page.selectOption('#anomaly-kind', 'freed_while_pinned');
	await page.locator('[data-testid=anomaly-link]', { hasText: anomaly.message }).click();
	const index = await page.evaluate((id) => window.cgomalViewer.allocationIndex(id), anomaly.allocation);
	await page.waitForFunction((i) => window.cgomalViewer.selection.allocation === i, index);
	assert.equal(await rows(), unfolded, 'the process unfolded again');
	// The row that draws it (a lane, or the overflow row when 16 lanes are full) is scrolled into view.
	const row = await page.evaluate((i) => window.cgomalViewer.allocationRow(i), index);
	assert.ok(row, 'the allocation has a row');
	assert.ok(row.top >= 0, `row top ${row.top}`);
	// Rows scroll below the 26 px time axis.
	assert.ok(row.top + row.height <= await page.evaluate(() => window.cgomalViewer.canvasHeight()) - 26, `row top ${row.top}`);
});
