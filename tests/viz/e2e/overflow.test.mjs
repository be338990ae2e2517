// SPDX-License-Identifier: MIT
// End-to-end test of the overflow row in Debian's chromium. When more lifetimes overlap on an M
// than its lanes hold, the long ones go to the overflow row. A click there lists them, and a
// selected one is outlined over the row.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { launchBrowser, scratchDir, openViewer, fileUrl, wrapHtml, artifactDir } from './support.mjs';
import { generateReport } from '../make-report.mjs';
import { encodeColumns } from '../../../viz/columns.js';

// Lifetimes that span most of the run on M1 of the first process, more than its 16 lanes hold.
const LONG_LIVED = 40;
const FIRST_LONG_ID = 90000;

let browser;
let scratch;
let page;
let errors;
let report;

before(async () => {
	scratch = scratchDir();
	report = generateReport({ allocations: 400, processes: 1, ms: 2, seed: 3 });
	const template = report.allocations.find((a) => a.m === 1 && a.kind === 'cgo');
	for (let k = 0; k < LONG_LIVED; k++) {
		report.allocations.push({
			...template, id: FIRST_LONG_ID + k, alloc: 1000 + k, release: 2000 + k, free: report.end - 1000 - k,
			gc_cycle: null, state: 'freed',
		});
	}
	const json = join(scratch.dir, 'overflow.columns.json');
	writeFileSync(json, JSON.stringify(encodeColumns(report)));
	browser = await launchBrowser();
	({ page, errors } = await openViewer(browser.context, fileUrl(wrapHtml(json, join(scratch.dir, 'overflow.html')))));
});

after(async () => {
	if (browser)
		await browser.close();
	if (scratch)
		scratch.remove();
});

const viewer = (expression, argument) => page.evaluate(expression, argument);

test('long lifetimes go to the overflow row', async () => {
	assert.equal(await viewer(() => window.cgomalViewer.status), 'ready');
	const rows = await viewer((ids) => ids.map((id) => {
		const row = window.cgomalViewer.allocationRow(window.cgomalViewer.allocationIndex(id));
		return row && row.type;
	}), report.allocations.filter((a) => a.m === 1).map((a) => a.id));
	const longRows = rows.slice(-LONG_LIVED);
	const shortRows = rows.slice(0, -LONG_LIVED);
	// The lanes go to the shorter lifetimes, which start later: packing in start order would
	// have given all 16 lanes to the long ones.
	assert.deepEqual(longRows, new Array(LONG_LIVED).fill('overflow'));
	assert.ok(shortRows.filter((type) => type === 'allocation').length >= 16, shortRows.join());
});

test('overflow row lists its lifetimes', async () => {
	await page.keyboard.press('0');
	const index = await viewer((id) => window.cgomalViewer.allocationIndex(id), FIRST_LONG_ID + LONG_LIVED - 1);
	const at = await viewer((i) => window.cgomalViewer.locateOverflowed(i), index);
	assert.ok(at, 'the last long lifetime lies over the overflow row, in view');
	const box = await page.locator('[data-testid=timeline]').boundingBox();
	await page.mouse.move(box.x + at.x, box.y + at.y);
	const tooltip = page.locator('[data-testid=tooltip]');
	await tooltip.waitFor({ state: 'visible' });
	const hovered = (await tooltip.textContent()).match(/^(\d+) more lifetimes overlap at (.+), beyond the lanes above\s*click to list them$/);
	assert.ok(hovered, await tooltip.textContent());

	await page.mouse.click(box.x + at.x, box.y + at.y);
	const heading = page.locator('[data-testid=overflow-heading]');
	await heading.waitFor({ state: 'visible' });
	const listed = Number((await heading.textContent()).match(/^(\d+) overlapping lifetimes on M1 at /)[1]);
	assert.ok(listed >= LONG_LIVED, await heading.textContent());
	assert.equal(listed, Number(hovered[1]), 'the list counts what the tooltip counted');
	assert.equal((await heading.textContent()).split(' at ')[1], hovered[2], 'at the same time');
	const items = page.locator('[data-testid=overflow-item]');
	assert.equal(await items.count(), Math.min(listed, 100));

	const first = await items.first().textContent();
	const id = Number(first.match(/^#(\d+) cgo /)[1]);
	assert.ok(id >= FIRST_LONG_ID, first);
	await items.first().click();
	const picked = await viewer((value) => window.cgomalViewer.allocationIndex(value), id);
	await page.waitForFunction((i) => window.cgomalViewer.selection.allocation === i, picked);
	const details = page.locator('[data-testid=details]');
	await details.waitFor({ state: 'visible' });
	assert.match(await details.locator('h3').first().textContent(), new RegExp(`^Allocation ${id}: cgo`));
	assert.equal((await viewer((i) => window.cgomalViewer.allocationRow(i), picked)).type, 'overflow');
	assert.deepEqual(errors, []);
	await page.screenshot({ path: join(artifactDir(), 'overflow-selected.png') });
});
