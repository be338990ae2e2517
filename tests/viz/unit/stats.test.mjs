// SPDX-License-Identifier: MIT
// Unit tests of viz/stats.js and viz/filter.js: sums, histograms and filters against brute force.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel } from '../../../viz/model.js';
import { computeStats, logHistogram } from '../../../viz/stats.js';
import { applyFilter, emptyFilter, isEmptyFilter } from '../../../viz/filter.js';
import { readReport } from '../../../viz/columns.js';
import { generateReport } from '../make-report.mjs';

const report = generateReport({ allocations: 2000, processes: 2, ms: 2, seed: 4 });

test('logHistogram bins by half decades', () => {
	// Bin edges: 0, 3.16, 10, 31.6, 100, 316, 1000 ns.
	const histogram = logHistogram([0, 1, 2, 5, 10, 31, 32, 1000]);
	assert.equal(histogram.count, 8);
	assert.deepEqual(histogram.bins.map((b) => b.count), [3, 1, 2, 1, 0, 0, 1]);
	assert.equal(histogram.bins[0].from, 0);
	assert.ok(Math.abs(histogram.bins[1].from - Math.sqrt(10)) < 1e-9);
	assert.equal(histogram.bins[6].from, 1000);
	assert.deepEqual(logHistogram([]).bins, []);
});

test('stats match the summary of the report', () => {
	const model = buildModel(readReport(report, 'r.json'));
	const stats = computeStats(model);
	const summary = report.summary.allocations;
	assert.equal(stats.total.count, summary.count);
	assert.equal(stats.total.bytes, summary.bytes);
	for (const kind of ['cgo', 'managed', 'malloc']) {
		assert.equal(stats.byKind.get(kind).count, summary.by_kind[kind].count, kind);
		for (const state of ['freed', 'released', 'pinned', 'live_at_end'])
			assert.equal(stats.byKind.get(kind).byState.get(state).bytes, summary.by_kind[kind].by_state[state].bytes, `${kind} ${state}`);
	}
	assert.equal(stats.lifetimes.count, report.summary.lifetime_ns.count);
	assert.equal(stats.pinned.count, report.summary.pinned_ns.count);
	assert.ok(stats.heaviest.length > 0);
	assert.ok(stats.heaviest.length <= 8);
	assert.ok(stats.heaviest[0].peakPinned >= (stats.heaviest[1].peakPinned || 0));
});

test('filters select like brute force', () => {
	const model = buildModel(readReport(report, 'r.json'));
	const cases = [
		[{ kinds: new Set(['cgo']) }, (a) => a.kind === 'cgo'],
		[{ states: new Set(['live_at_end', 'pinned']) }, (a) => a.state === 'live_at_end' || a.state === 'pinned'],
		[{ sizeMin: 256, sizeMax: 1024 }, (a) => a.size >= 256 && a.size <= 1024],
		[{ lifetimeMin: 100_000 }, (a) => (a.free ?? report.end) - a.alloc >= 100_000],
		[{ lifetimeMax: 5_000 }, (a) => (a.free ?? report.end) - a.alloc <= 5_000],
		[{ anomaliesOnly: true }, (a) => report.anomalies.some((x) => x.allocation === a.id)],
		[{ processes: new Set(['0/4001']) }, (a) => a.pid === 4001],
		[{ tracks: new Set(['0/4000/m2']) }, (a) => a.pid === 4000 && a.m === 2],
	];
	for (const [settings, predicate] of cases) {
		const filter = { ...emptyFilter(), ...settings };
		assert.equal(isEmptyFilter(filter), false);
		const shown = applyFilter(model, filter);
		const expected = report.allocations.filter(predicate).length;
		assert.equal(shown, expected, JSON.stringify(settings, (k, v) => (v instanceof Set ? [...v] : v)));
		assert.equal(computeStats(model).total.count, expected);
		const drawn = model.tracks.reduce((sum, t) => sum + t.allocLanes.reduce((s, l) => s + l.length, 0) +
			(t.overflow ? t.overflow.items.length : 0), 0);
		assert.equal(drawn, expected, 'lanes hold what the filter shows');
	}
	assert.equal(applyFilter(model, emptyFilter()), report.allocations.length);
	assert.equal(isEmptyFilter(emptyFilter()), true);
});

test('track filter hides tracks', () => {
	const model = buildModel(readReport(report, 'r.json'));
	applyFilter(model, { ...emptyFilter(), processes: new Set(['0/4000']) });
	assert.ok(model.shownTracks.length > 0);
	assert.ok(model.shownTracks.every((t) => t.process.pid === 4000));
});
