// SPDX-License-Identifier: MIT
// Unit tests of viz/model.js: processes and tracks, lane contents, related records and
// time-range queries, checked against brute force over the report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, allocationsBetween, callOfAllocation, gcCycleOfAllocation, KINDS, STATES } from '../../../viz/model.js';
import { readReport } from '../../../viz/columns.js';
import { generateReport } from '../make-report.mjs';

const report = generateReport({ allocations: 3000, processes: 2, ms: 3, seed: 9 });
const model = buildModel(readReport(report, 'r.json'));

test('tracks follow processes and Ms', () => {
	assert.deepEqual(model.processes.map((p) => p.pid), [4000, 4001]);
	const first = model.processes[0];
	assert.deepEqual(first.tracks.map((t) => t.label), ['M1', 'M2', 'M3', 'thread 4100']);
	assert.equal(first.tracks[0].detail, 'tid 4000');
	assert.equal(first.label, 'demo-0 (pid 4000)');
	assert.equal(model.tracks.length, 8);
	assert.ok(first.liveBytes.peak > 0);
	assert.ok(first.tracks[0].pinnedBytes.peak > 0);
	assert.equal(first.tracks[3].pinnedBytes, null);
	assert.ok(first.gcLanes.length >= 1);
	assert.equal(first.discarded.length, 1);
});

test('every allocation is drawn once', () => {
	const seen = new Uint8Array(report.allocations.length);
	for (const track of model.tracks) {
		for (const lane of track.allocLanes) {
			for (let k = 0; k < lane.length; k++) {
				seen[lane.items[k]]++;
				assert.equal(model.alloc.tracks[lane.items[k]], track);
				if (k > 0)
					assert.ok(lane.starts[k] >= lane.ends[k - 1], 'lane intervals overlap');
			}
		}
		if (track.overflow) {
			for (const index of track.overflow.items)
				seen[index]++;
		}
	}
	assert.ok(seen.every((count) => count === 1));
});

test('drawn times follow the record', () => {
	report.allocations.forEach((record, i) => {
		assert.equal(model.alloc.starts[i], record.alloc);
		assert.equal(model.alloc.ends[i], record.free === null ? model.alloc.tracks[i].process.end : record.free);
		assert.equal(KINDS[model.alloc.kinds[i]], record.kind);
		assert.equal(STATES[model.alloc.states[i]], record.state);
		if (record.kind === 'cgo' && record.release !== null)
			assert.equal(model.alloc.pinnedEnds[i], Math.min(record.release, model.alloc.ends[i]));
		if (record.kind !== 'cgo')
			assert.equal(model.alloc.pinnedEnds[i], model.alloc.starts[i]);
	});
});

test('calls nest by depth', () => {
	const track = model.processes[0].tracks[0];
	assert.deepEqual(track.callDepths.map((d) => d.depth), [0, 1, 2]);
	const callbacks = track.callDepths[1].lanes[0];
	for (let k = 0; k < callbacks.length; k++)
		assert.equal(report.calls[callbacks.items[k]].kind, 'callback');
	assert.equal(track.callOverflow, 0);
});

test('anomaly links to its call and cycle', () => {
	const anomaly = report.anomalies.find((a) => a.kind === 'freed_while_pinned');
	const index = model.allocationById.get(anomaly.allocation);
	assert.equal(report.allocations[index].id, anomaly.allocation);
	assert.equal(report.calls[callOfAllocation(model, index)].id, anomaly.call);
	const cycle = report.gc_cycles[gcCycleOfAllocation(model, index)];
	assert.equal(cycle.cycle, report.allocations[index].gc_cycle);
	assert.equal(cycle.pid, anomaly.pid);
	assert.ok(model.anomaliesByAllocation.get(anomaly.allocation).length >= 1);
});

test('nested allocation finds the inner call', () => {
	const index = report.allocations.findIndex((a) => a.depth === 2);
	assert.ok(index >= 0);
	const call = report.calls[callOfAllocation(model, index)];
	assert.equal(call.depth, 2);
	assert.equal(call.kind, 'cgocall');
	assert.ok(call.entry <= report.allocations[index].alloc);
	assert.ok(call.exit >= report.allocations[index].alloc);
	const malloc = report.allocations.findIndex((a) => a.kind === 'malloc');
	assert.equal(callOfAllocation(model, malloc), -1);
	assert.equal(gcCycleOfAllocation(model, malloc), -1);
});

test('range queries match brute force', () => {
	for (const field of ['alloc', 'release', 'free']) {
		for (const [from, to] of [[0, 1e5], [250_000, 900_000], [0, model.end], [5e9, 6e9]]) {
			const { first, count, order } = allocationsBetween(model, field, from, to);
			const got = [...order.slice(first, first + count)].sort((a, b) => a - b);
			const expected = [];
			report.allocations.forEach((a, i) => {
				if (a[field] !== null && a[field] >= from && a[field] <= to)
					expected.push(i);
			});
			assert.deepEqual(got, expected, `${field} in [${from}, ${to}]`);
		}
	}
});

test('unknown process and null times', () => {
	const small = generateReport({ allocations: 20, processes: 1, ms: 1 });
	small.allocations.push({ ...small.allocations[0], id: 9999, pid: 77, m: null, tid: 78, kind: 'malloc',
		alloc: null, release: null, free: null, state: 'live_at_end' });
	const m = buildModel(readReport(small, 'r.json'));
	const orphan = m.processes.find((p) => p.pid === 77);
	assert.ok(orphan, 'a process only named by an allocation gets a group');
	assert.equal(orphan.label, 'process (pid 77)');
	assert.equal(orphan.tracks[0].label, 'thread 78');
	const i = m.allocationById.get(9999);
	assert.equal(m.alloc.starts[i], 0);
	assert.equal(m.alloc.ends[i], m.end);
});

test('overlapping calls beyond the lanes', () => {
	const small = generateReport({ allocations: 10, processes: 1, ms: 1 });
	const base = small.calls.find((c) => c.depth === 0 && c.exit !== null);
	for (let k = 0; k < 6; k++)
		small.calls.push({ ...base, id: 90000 + k, entry: base.entry, exit: base.exit + k + 1 });
	const m = buildModel(readReport(small, 'r.json'));
	const track = m.processes[0].tracks[0];
	const depth0 = track.callDepths.find((d) => d.depth === 0);
	assert.equal(depth0.lanes.length, 4);
	// The original span and six copies overlap at one moment: four lanes hold four of them.
	assert.equal(track.callOverflow, 3);
});

test('anomalies order by urgency', () => {
	const small = generateReport({ allocations: 200, processes: 1, ms: 2 });
	const template = small.anomalies.find((a) => a.kind === 'freed_while_pinned');
	small.anomalies.unshift({ ...template, kind: 'live_at_end', message: 'first in the report' });
	small.anomalies.push({ ...template, kind: 'quarantine_breach', message: 'a kind from a later minor version' });
	const m = buildModel(readReport(small, 'r.json'));
	const kinds = [...m.anomalyOrder].map((index) => small.anomalies[index].kind);
	assert.equal(kinds.length, small.anomalies.length);
	assert.equal(kinds[0], 'freed_while_pinned');
	assert.equal(kinds.at(-1), 'live_at_end');
	assert.ok(kinds.indexOf('quarantine_breach') < kinds.indexOf('live_at_end'));
	assert.ok(kinds.indexOf('unterminated_call') > kinds.lastIndexOf('freed_while_pinned'));
	const liveAtEnd = [...m.anomalyOrder].filter((index) => small.anomalies[index].kind === 'live_at_end');
	assert.deepEqual(liveAtEnd, [...liveAtEnd].sort((a, b) => a - b), 'report order within a kind');
});
