// SPDX-License-Identifier: MIT
// Unit tests of viz/time.js: formatting, axis ticks, duration parsing and view arithmetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
	formatDuration, formatTime, formatAbsolute, niceStep, axisTicks, parseDuration,
	timeAtX, xAtTime, fitView, clampView, zoomAround, panBy, resizeView, MIN_VIEW_SPAN_NS,
} from '../../../viz/time.js';

test('formatDuration picks the unit', () => {
	const cases = [
		[0, '0 ns'], [1, '1 ns'], [999, '999 ns'], [1000, '1.00 µs'], [1234, '1.23 µs'],
		[12_345, '12.3 µs'], [999_499, '999 µs'], [1_500_000, '1.50 ms'], [2e9, '2.00 s'],
		[123.4e9, '123 s'], [-2500, '-2.50 µs'], [null, '—'],
	];
	for (const [ns, text] of cases)
		assert.equal(formatDuration(ns), text, `formatDuration(${ns})`);
});

test('formatTime resolves to the step', () => {
	assert.equal(formatTime(1_234_567_890, 1), '1.234567890 s');
	assert.equal(formatTime(1_234_567_890, 1000), '1.234568 s');
	assert.equal(formatTime(1_234_567_890, 1e6), '1.235 s');
	assert.equal(formatTime(2000, 1), '2.000 µs');
	assert.equal(formatTime(2000, 500), '2.0 µs');
	assert.equal(formatTime(500, 100), '500 ns');
	assert.equal(formatTime(0, 1e6), '0 ns');
	assert.equal(formatTime(null), '—');
});

test('formatAbsolute keeps every digit', () => {
	assert.equal(formatAbsolute('1764877000123456789', 0), '2025-12-04T19:36:40.123456789Z');
	assert.equal(formatAbsolute('1764877000123456789', 876_543_211), '2025-12-04T19:36:41.000000000Z');
	assert.equal(formatAbsolute('0', 5), '1970-01-01T00:00:00.000000005Z');
	assert.equal(formatAbsolute('-1', 0), '1969-12-31T23:59:59.999999999Z');
});

test('niceStep rounds up to 1, 2 or 5', () => {
	const cases = [[0, 1], [0.3, 1], [1, 1], [1.1, 2], [3, 5], [7, 10], [11, 20], [450, 500],
		[501, 1000], [2.1e6, 5e6], [9e9, 1e10]];
	for (const [min, step] of cases)
		assert.equal(niceStep(min), step, `niceStep(${min})`);
});

test('axisTicks spaces integer ticks', () => {
	const view = { start: 0, nsPerPx: 1000, width: 1000 };
	const axis = axisTicks(view, 90);
	assert.equal(axis.step, 100_000);
	assert.equal(axis.ticks[0], 0);
	assert.equal(axis.ticks.at(-1), 1_000_000);
	assert.equal(axis.labels[1], '100 µs');
	assert.equal(axis.base, null);
	for (let i = 1; i < axis.ticks.length; i++)
		assert.ok(xAtTime(view, axis.ticks[i]) - xAtTime(view, axis.ticks[i - 1]) >= 90);
	for (const t of axis.ticks)
		assert.ok(Number.isInteger(t));
});

test('axisTicks offsets labels deep in', () => {
	// 10 ns per 100 px, an hour after the origin: labels would need 12 digits.
	const view = { start: 3_600_000_000_123, nsPerPx: 0.1, width: 900 };
	const axis = axisTicks(view, 90);
	assert.equal(axis.step, 10);
	assert.notEqual(axis.base, null);
	assert.ok(axis.base <= view.start);
	assert.ok(axis.baseLabel.endsWith(' s'));
	for (const label of axis.labels) {
		assert.match(label, /^\+[0-9.]+ (ns|µs)$/);
		assert.ok(label.length <= 12, label);
	}
	const first = axis.ticks[0];
	assert.equal(first % 10, 0);
	assert.ok(first >= view.start);
});

test('parseDuration reads units', () => {
	const cases = [['', null], ['  ', null], ['250', 250], ['250ns', 250], ['1.5 us', 1500],
		['1.5µs', 1500], ['2ms', 2e6], ['3 s', 3e9], ['1min', 60e9], ['1e3', 1000], ['.5ms', 500_000]];
	for (const [text, ns] of cases)
		assert.equal(parseDuration(text), ns, `parseDuration(${JSON.stringify(text)})`);
});

test('parseDuration rejects junk', () => {
	for (const text of ['abc', '1 parsec', '-5ms', '1..2s', 'ms'])
		assert.throws(() => parseDuration(text), (err) => err instanceof RangeError && err.message.includes(text.trim()));
});

test('view maps times and pixels', () => {
	const view = { start: 1000, nsPerPx: 10, width: 500 };
	assert.equal(timeAtX(view, 0), 1000);
	assert.equal(timeAtX(view, 50), 1500);
	assert.equal(xAtTime(view, 1500), 50);
	assert.equal(xAtTime(view, timeAtX(view, 123.5)), 123.5);
});

test('zoomAround keeps the pointer time', () => {
	const view = { start: 1000, nsPerPx: 10, width: 500 };
	for (const x of [0, 120, 499]) {
		for (const factor of [2, 0.5, 1.3]) {
			const zoomed = zoomAround(view, x, factor);
			assert.ok(Math.abs(timeAtX(zoomed, x) - timeAtX(view, x)) < 1e-6);
			assert.ok(Math.abs(zoomed.nsPerPx - view.nsPerPx / factor) < 1e-9);
		}
	}
});

test('panBy moves by pixels', () => {
	const view = { start: 1000, nsPerPx: 10, width: 500 };
	assert.equal(panBy(view, 30).start, 1300);
	assert.equal(panBy(view, -30).start, 700);
	assert.equal(panBy(view, 30).nsPerPx, 10);
});

test('fitView shows the extent', () => {
	const view = fitView(0, 1_000_000, 1000);
	assert.ok(view.start < 0);
	assert.ok(timeAtX(view, 1000) > 1_000_000);
	assert.ok(xAtTime(view, 0) > 0);
	assert.ok(xAtTime(view, 0) < 30);
	const tiny = fitView(500, 500, 1000);
	assert.ok(tiny.nsPerPx * 1000 >= MIN_VIEW_SPAN_NS);
});

test('clampView limits zoom and pan', () => {
	const deep = clampView({ start: 10, nsPerPx: 1e-6, width: 1000 }, 0, 1e6);
	assert.equal(deep.nsPerPx, MIN_VIEW_SPAN_NS / 1000);
	const wide = clampView({ start: 0, nsPerPx: 1e9, width: 1000 }, 0, 1e6);
	assert.equal(wide.nsPerPx, 1.5e6 / 1000);
	// A view of 100,000 ns keeps its middle inside [0, 1e6].
	const late = clampView({ start: 5e6, nsPerPx: 100, width: 1000 }, 0, 1e6);
	assert.equal(late.start, 950_000);
	const early = clampView({ start: -5e6, nsPerPx: 100, width: 1000 }, 0, 1e6);
	assert.equal(early.start, -50_000);
	const inside = clampView({ start: 300_000, nsPerPx: 100, width: 1000 }, 0, 1e6);
	assert.equal(inside.start, 300_000);
});

test('resizeView keeps the span', () => {
	const view = resizeView({ start: 0, nsPerPx: 10, width: 500 }, 1000);
	assert.equal(view.nsPerPx, 5);
	assert.equal(view.width, 1000);
});
