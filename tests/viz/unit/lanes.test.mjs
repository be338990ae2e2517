// SPDX-License-Identifier: MIT
// Unit tests of viz/lanes.js: sorting, lane packing, level of detail and range maxima.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
	argsortByKey, lowerBound, upperBound, packLanes, visitLane, Lane, MaxTree, StepSeries,
	MARK_ANOMALY,
} from '../../../viz/lanes.js';

function random(seed) {
	let a = seed;
	return () => {
		a = (a * 1103515245 + 12345) % 2147483648;
		return a / 2147483648;
	};
}

test('argsortByKey matches a stable sort', () => {
	const next = random(7);
	for (const [n, scale] of [[0, 1], [1, 5], [1000, 10], [5000, 2 ** 40], [3000, 2 ** 52]]) {
		const keys = Float64Array.from({ length: n }, () => Math.floor(next() * scale));
		const order = argsortByKey(keys);
		const expected = [...keys.keys()].sort((a, b) => keys[a] - keys[b] || a - b);
		assert.deepEqual([...order], expected, `n=${n} scale=${scale}`);
	}
});

test('bounds find insertion points', () => {
	const values = [1, 3, 3, 3, 7];
	assert.equal(lowerBound(values, 3), 1);
	assert.equal(upperBound(values, 3), 4);
	assert.equal(lowerBound(values, 0), 0);
	assert.equal(lowerBound(values, 8), 5);
	assert.equal(upperBound(values, 7), 5);
	assert.equal(lowerBound([], 1), 0);
});

test('packLanes never overlaps in a lane', () => {
	const next = random(11);
	const n = 2000;
	const starts = Float64Array.from({ length: n }, () => Math.floor(next() * 1e6));
	const ends = Float64Array.from(starts, (s) => s + Math.floor(next() * 5e4));
	const order = argsortByKey(starts);
	const { lanes, overflow } = packLanes(order, starts, ends, 8);
	assert.equal(lanes.length, 8);
	const placed = lanes.reduce((sum, lane) => sum + lane.length, 0);
	assert.equal(placed + overflow.length, n);
	for (const lane of lanes) {
		for (let k = 1; k < lane.length; k++) {
			assert.ok(starts[lane[k]] >= ends[lane[k - 1]], 'overlap in a lane');
			assert.ok(starts[lane[k]] >= starts[lane[k - 1]], 'lane not in start order');
		}
	}
	// Every overflow interval overlaps one interval of each lane (first fit found none free).
	for (const index of overflow.slice(0, 50)) {
		for (const lane of lanes) {
			assert.ok(lane.some((other) => starts[other] < ends[index] && ends[other] > starts[index]));
		}
	}
});

test('packLanes prefers short lifetimes to a long one', () => {
	// One lifetime spans the run, and two short ones fall inside it: one lane takes the two.
	const starts = [0, 10, 30];
	const ends = [100, 20, 40];
	const { lanes, overflow } = packLanes([0, 1, 2], starts, ends, 1);
	assert.deepEqual(lanes, [[1, 2]]);
	assert.deepEqual(overflow, [0]);
});

// Returns the most intervals of STARTS and ENDS that LANES lanes can hold, by trying every
// assignment (each interval to a lane or to none).
function bruteForceMaximum(starts, ends, lanes) {
	const n = starts.length;
	let best = 0;
	const assignment = new Array(n).fill(0);
	for (let code = 0; code < (lanes + 1) ** n; code++) {
		let rest = code;
		for (let i = 0; i < n; i++) {
			assignment[i] = rest % (lanes + 1);
			rest = Math.floor(rest / (lanes + 1));
		}
		let fits = true;
		for (let i = 0; i < n && fits; i++) {
			for (let j = i + 1; j < n && fits; j++) {
				if (assignment[i] > 0 && assignment[i] === assignment[j] && starts[i] < ends[j] && starts[j] < ends[i])
					fits = false;
			}
		}
		if (fits)
			best = Math.max(best, assignment.filter((lane) => lane > 0).length);
	}
	return best;
}

test('packLanes places the most intervals', () => {
	const next = random(5);
	for (let round = 0; round < 40; round++) {
		const n = 7;
		const starts = Float64Array.from({ length: n }, () => Math.floor(next() * 100));
		const ends = Float64Array.from(starts, (start) => start + 1 + Math.floor(next() * 60));
		const { lanes, overflow } = packLanes(argsortByKey(starts), starts, ends, 2);
		const placed = lanes.reduce((sum, lane) => sum + lane.length, 0);
		assert.equal(placed + overflow.length, n);
		assert.equal(placed, bruteForceMaximum(starts, ends, 2), `round ${round}`);
	}
});

test('packLanes lets touching intervals share', () => {
	const starts = [0, 10, 20];
	const ends = [10, 20, 30];
	const { lanes, overflow } = packLanes([0, 1, 2], starts, ends, 4);
	assert.deepEqual(lanes, [[0, 1, 2]]);
	assert.deepEqual(overflow, []);
});

function laneFrom(intervals, marks) {
	const starts = Float64Array.from(intervals, ([s]) => s);
	const ends = Float64Array.from(intervals, ([, e]) => e);
	const items = Uint32Array.from(intervals, (_, k) => k);
	const pinned = Float64Array.from(intervals, ([s, e, p]) => (p === undefined ? 0 : p - s));
	return new Lane(starts, ends, items, Uint8Array.from(marks || intervals.map(() => 0)), pinned);
}

function visits(lane, view) {
	const out = [];
	visitLane(lane, view, (x0, x1, k, count) => out.push([x0, x1, k, count]));
	return out;
}

test('visitLane draws wide intervals alone', () => {
	const lane = laneFrom([[0, 100], [200, 450], [500, 900]]);
	const out = visits(lane, { start: 0, nsPerPx: 10, width: 100 });
	assert.deepEqual(out, [[0, 10, 0, 1], [20, 45, 1, 1], [50, 90, 2, 1]]);
});

test('visitLane aggregates a pixel column', () => {
	// Ten 1 ns intervals inside the first 10 ns pixel, then one wide interval.
	const intervals = Array.from({ length: 10 }, (_, k) => [k, k + 0.5]);
	intervals.push([50, 200]);
	const lane = laneFrom(intervals, intervals.map((_, k) => (k === 3 ? MARK_ANOMALY : 0)));
	const out = visits(lane, { start: 0, nsPerPx: 10, width: 100 });
	assert.deepEqual(out, [[0, 1, 0, 10], [5, 20, 10, 1]]);
	assert.equal(lane.prefixMarked[10] - lane.prefixMarked[0], 1);
	assert.equal(lane.prefixSpan[10], 5);
});

test('visitLane keeps a column-crossing interval', () => {
	// The second interval starts in pixel 0 but ends in pixel 1: it is visited alone.
	const lane = laneFrom([[1, 2], [8, 12], [30, 31]]);
	const out = visits(lane, { start: 0, nsPerPx: 10, width: 10 });
	assert.deepEqual(out, [[0, 1, 0, 1], [0.8, 1.2, 1, 1], [3, 4, 2, 1]]);
});

test('visitLane skips what is out of view', () => {
	const lane = laneFrom([[0, 10], [100, 110], [200, 210], [1000, 1010]]);
	const out = visits(lane, { start: 95, nsPerPx: 1, width: 120 });
	assert.deepEqual(out.map((v) => v[2]), [1, 2]);
	assert.deepEqual(visits(lane, { start: 2000, nsPerPx: 1, width: 100 }), []);
});

test('visitLane costs per column, not per item', () => {
	// A million 1 ns intervals over 2 ms at 1000 pixels: at most one visit per column.
	const n = 1_000_000;
	const starts = new Float64Array(n);
	const ends = new Float64Array(n);
	for (let k = 0; k < n; k++) {
		starts[k] = 2 * k;
		ends[k] = 2 * k + 1;
	}
	const lane = new Lane(starts, ends, new Uint32Array(n), new Uint8Array(n), null);
	const out = visits(lane, { start: 0, nsPerPx: 2000, width: 1000 });
	assert.ok(out.length <= 1001, `${out.length} visits`);
	assert.equal(out.reduce((sum, v) => sum + v[3], 0), n);
});

test('visitLane covers every interval once', () => {
	const next = random(5);
	let t = 0;
	const intervals = [];
	for (let k = 0; k < 3000; k++) {
		t += Math.floor(next() * 300);
		const length = Math.floor(next() * (next() < 0.1 ? 3000 : 30));
		intervals.push([t, t + length]);
		t += length;
	}
	const lane = laneFrom(intervals);
	for (const nsPerPx of [0.5, 3, 40, 900]) {
		const view = { start: -10, nsPerPx, width: Math.ceil((t + 20) / nsPerPx) };
		const seen = new Uint8Array(intervals.length);
		for (const [x0, x1, k, count] of visits(lane, view)) {
			assert.ok(x1 >= x0);
			for (let j = k; j < k + count; j++)
				seen[j]++;
		}
		assert.ok(seen.every((c) => c === 1), `nsPerPx ${nsPerPx}`);
	}
});

test('Lane.find returns the nearest', () => {
	const lane = laneFrom([[0, 10], [20, 30], [40, 50]]);
	assert.equal(lane.find(25, 0), 1);
	assert.equal(lane.find(15, 0), -1);
	assert.equal(lane.find(15, 5), 0);
	assert.equal(lane.find(18, 3), 1);
	assert.equal(lane.find(100, 10), -1);
});

test('MaxTree matches a scan', () => {
	const next = random(3);
	const values = Float64Array.from({ length: 777 }, () => Math.floor(next() * 1000));
	const tree = new MaxTree(values);
	for (let trial = 0; trial < 500; trial++) {
		const a = Math.floor(next() * values.length);
		const b = a + Math.floor(next() * (values.length - a + 1));
		const expected = b > a ? Math.max(...values.slice(a, b)) : -Infinity;
		assert.equal(tree.max(a, b), expected, `[${a}, ${b})`);
	}
});

test('StepSeries reads values and maxima', () => {
	const series = new StepSeries(Float64Array.from([10, 20, 30]), Float64Array.from([5, 50, 7]));
	assert.equal(series.peak, 50);
	assert.equal(series.valueAt(0), 0);
	assert.equal(series.valueAt(10), 5);
	assert.equal(series.valueAt(25), 50);
	assert.equal(series.valueAt(99), 7);
	assert.equal(series.maxOver(0, 10), 0);
	assert.equal(series.maxOver(0, 11), 5);
	assert.equal(series.maxOver(21, 29), 50, 'the value carried into the range counts');
	assert.equal(series.maxOver(11, 40), 50);
	assert.equal(series.maxOver(30, 40), 7);
	const empty = new StepSeries(new Float64Array(0), new Float64Array(0));
	assert.equal(empty.peak, 0);
	assert.equal(empty.maxOver(0, 100), 0);
});
