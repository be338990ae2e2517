// SPDX-License-Identifier: MIT
// Unit tests of viz/layout.js and viz/units.js: row stacking, hit rows and size formatting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel } from '../../../viz/model.js';
import { layoutRows, rowAt, processRowRange, ROW_HEIGHT } from '../../../viz/layout.js';
import { formatBytes, formatCount, parseBytes } from '../../../viz/units.js';
import { readReport } from '../../../viz/columns.js';
import { generateReport } from '../make-report.mjs';

const model = buildModel(readReport(generateReport({ allocations: 500, processes: 2, ms: 2 }), 'r.json'));

test('rows stack without gaps', () => {
	const layout = layoutRows(model, model.tracks, new Set());
	let y = 0;
	for (const row of layout.rows) {
		assert.equal(row.y, y);
		y += row.height;
	}
	assert.equal(layout.height, y);
	assert.equal(layout.rows[0].type, 'process');
	assert.equal(layout.rows[1].type, 'live_bytes');
	const types = new Set(layout.rows.map((r) => r.type));
	for (const type of ['track', 'pinned_bytes', 'call', 'allocation'])
		assert.ok(types.has(type), type);
	const lanes = model.tracks.reduce((sum, t) => sum + t.allocLanes.length, 0);
	assert.equal(layout.rows.filter((r) => r.type === 'allocation').length, lanes);
});

test('collapsed process keeps its header', () => {
	const first = model.processes[0];
	const layout = layoutRows(model, model.tracks, new Set([first.key]));
	const [begin, end] = processRowRange(layout, first);
	assert.equal(end - begin, 1);
	assert.equal(layout.rows[begin].height, ROW_HEIGHT.processHeader);
	assert.deepEqual(processRowRange(layout, { key: 'none' }), [0, 0]);
});

test('hidden tracks leave no rows', () => {
	const shown = model.tracks.filter((t) => t.process === model.processes[1]);
	const layout = layoutRows(model, shown, new Set());
	assert.ok(layout.rows.every((r) => r.process === model.processes[1]));
});

test('rowAt finds the row', () => {
	const layout = layoutRows(model, model.tracks, new Set());
	for (const row of layout.rows.slice(0, 40)) {
		assert.equal(rowAt(layout, row.y), row);
		assert.equal(rowAt(layout, row.y + row.height - 0.5), row);
	}
	assert.equal(rowAt(layout, -1), null);
	assert.equal(rowAt(layout, layout.height + 1), null);
});

test('formatBytes uses binary units', () => {
	const cases = [[0, '0 B'], [1023, '1023 B'], [1024, '1.00 KiB'], [1536, '1.50 KiB'],
		[10 * 1024 * 1024, '10.0 MiB'], [300 * 2 ** 30, '300 GiB'], [null, '—']];
	for (const [bytes, text] of cases)
		assert.equal(formatBytes(bytes), text);
});

test('formatCount groups thousands', () => {
	assert.equal(formatCount(0), '0');
	assert.equal(formatCount(999), '999');
	assert.equal(formatCount(1000), '1\u2009000');
	assert.equal(formatCount(1234567), '1\u2009234\u2009567');
});

test('parseBytes reads sizes', () => {
	const cases = [['', null], ['64', 64], ['4KiB', 4096], ['4 k', 4096], ['1.5M', 1572864], ['2GiB', 2 ** 31], ['10B', 10]];
	for (const [text, bytes] of cases)
		assert.equal(parseBytes(text), bytes, text);
	for (const text of ['big', '-4', '4 KB extra'])
		assert.throws(() => parseBytes(text), RangeError);
});
