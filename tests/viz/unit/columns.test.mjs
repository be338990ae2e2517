// SPDX-License-Identifier: MIT
// Unit tests of viz/columns.js: the columnar form restores every record of a plain report, and
// every malformed column is rejected with a message that names it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeColumns, decodeColumns, readReport, parseReport } from '../../../viz/columns.js';
import { ReportError } from '../../../viz/report.js';
import { generateReport } from '../make-report.mjs';

// Returns the plain record fields, in the order that the tables' get() returns them.
function plainAllocation(record) {
	const { id, object_id, trace, pid, m, tid, kind, addr, size, depth, alloc, release, free, gc_cycle, state, uncertain } = record;
	return { id, object_id, trace, pid, m, tid, kind, addr, size, depth, alloc, release, free, gc_cycle, state, uncertain };
}

function plainCall(record) {
	const { id, trace, pid, m, tid, depth, kind, fn, entry, exit, uncertain } = record;
	return { id, trace, pid, m, tid, depth, kind, fn, entry, exit, uncertain };
}

function assertRestores(report) {
	const loaded = decodeColumns(JSON.parse(JSON.stringify(encodeColumns(report))), 'r.html');
	assert.equal(loaded.allocations.length, report.allocations.length);
	report.allocations.forEach((record, i) => assert.deepEqual(loaded.allocations.get(i), plainAllocation(record), `allocation ${i}`));
	assert.equal(loaded.calls.length, report.calls.length);
	report.calls.forEach((record, i) => assert.deepEqual(loaded.calls.get(i), plainCall(record), `call ${i}`));
	report.counters.forEach((counter, i) => {
		assert.deepEqual([...loaded.counters[i].times], counter.samples.map(([time]) => time));
		assert.deepEqual([...loaded.counters[i].values], counter.samples.map(([, value]) => value));
		assert.equal(loaded.counters[i].name, counter.name);
	});
	assert.equal(loaded.gc_cycles.length, report.gc_cycles.length);
	report.gc_cycles.forEach((record, i) => assert.deepEqual(loaded.gc_cycles.get(i), record, `GC cycle ${i}`));
	for (const name of ['processes', 'anomalies', 'discarded', 'traces', 'summary'])
		assert.deepEqual(loaded[name], report[name], name);
	return loaded;
}

function rejects(doc, pattern) {
	assert.throws(() => decodeColumns(doc, 'page.html'), (err) => {
		assert.ok(err instanceof ReportError, `not a ReportError: ${err}`);
		assert.match(err.message, pattern);
		return true;
	});
}

test('generated report round trips', () => {
	const report = generateReport({ allocations: 3000, processes: 2, ms: 3, seed: 5 });
	assertRestores(report);
});

test('null fields round trip', () => {
	const report = generateReport({ allocations: 30, processes: 1, ms: 1 });
	const base = report.allocations[0];
	report.allocations.push(
		{ ...base, id: 9000, object_id: null, m: null, tid: null, depth: null, alloc: null, release: 70, free: 90, gc_cycle: null, uncertain: true },
		{ ...base, id: 9001, object_id: 12, alloc: 500, release: null, free: 400, gc_cycle: 3 },
		{ ...base, id: 9002, alloc: null, release: null, free: 5, kind: 'cgo' },
		{ ...base, id: 2, alloc: 0, release: 0, free: 0 });
	report.calls.push({ ...report.calls[0], id: 7000, tid: null, fn: null, entry: null, exit: 40, uncertain: true },
		{ ...report.calls[0], id: 7001, entry: 50, exit: null });
	const cycle = report.gc_cycles[0];
	report.gc_cycles.push({ ...cycle, cycle: 90, reason: 'other', reason_code: -1, start: null, live_bytes_before: null, goal_bytes: null, uncertain: true },
		{ ...cycle, cycle: 91, end: null, pause_ns: null, marked_objects: null, freed_objects: null, freed_bytes: null, live_bytes_after: null },
		{ ...cycle, cycle: 92, pid: 4999, marked_objects: 2 ** 40 });
	const anomaly = report.anomalies[0];
	report.anomalies.push({ ...anomaly, m: null, tid: null, time: null, allocation: null, call: null, addr: null, uncertain: true, message: '' },
		{ ...anomaly, time: 0, allocation: 0, call: 0, addr: '0x0', message: 'ünïcode </script>' });
	assertRestores(report);
});

test('unknown kinds and states round trip', () => {
	const report = generateReport({ allocations: 40, processes: 1, ms: 1, version: '1.3' });
	report.allocations[0].kind = 'arena';
	report.allocations[1].state = 'quarantined';
	report.calls[0].kind = 'signal';
	report.anomalies[0].kind = 'double_release';
	report.gc_cycles[0].reason = 'idle';
	const doc = encodeColumns(report);
	assert.deepEqual(doc.allocations.kinds, ['cgo', 'managed', 'malloc', 'arena']);
	assert.deepEqual(doc.allocations.states, ['freed', 'released', 'pinned', 'live_at_end', 'quarantined']);
	assert.deepEqual(doc.calls.kinds, ['cgocall', 'callback', 'signal']);
	assert.deepEqual(doc.anomalies.kinds.at(-1), 'double_release');
	assert.deepEqual(doc.gc_cycles.reasons, ['automatic', 'forced', 'out_of_memory', 'other', 'idle']);
	assertRestores(report);
});

test('addresses above 2^53 stay strings', () => {
	const report = generateReport({ allocations: 30, processes: 1, ms: 1 });
	report.allocations[3].addr = '0xff00000000001000';
	report.calls[2].fn = '0xf000000000000001';
	report.anomalies[0].addr = '0xff00000000000010';
	const doc = encodeColumns(report);
	assert.equal(doc.allocations.columns.addr[3], '0xff00000000001000');
	assert.ok(doc.allocations.columns.addr.every((addr) => typeof addr === 'string'));
	assert.ok(doc.calls.columns.fn.every((fn) => typeof fn === 'string'));
	assert.ok(doc.anomalies.columns.addr.every((addr) => typeof addr === 'string'));
	assertRestores(report);
});

test('addresses fit as deltas', () => {
	const report = generateReport({ allocations: 30, processes: 1, ms: 1 });
	const doc = encodeColumns(report);
	assert.ok(doc.allocations.columns.addr.every(Number.isSafeInteger));
	assert.equal(doc.allocations.columns.addr[0], Number.parseInt(report.allocations[0].addr, 16));
	assert.equal(doc.allocations.columns.addr[1],
		Number.parseInt(report.allocations[1].addr, 16) - Number.parseInt(report.allocations[0].addr, 16));
});

test('columns hold deltas and offsets', () => {
	const report = generateReport({ allocations: 30, processes: 1, ms: 1 });
	const [a, b] = report.allocations;
	const doc = encodeColumns(report);
	assert.equal(doc.layout, 'columns');
	assert.equal(doc.allocations.columns.id[1], b.id - a.id);
	assert.equal(doc.allocations.columns.size[1], b.size);
	assert.equal(doc.counters[0].times[0], report.counters[0].samples[0][0]);
	assert.equal(doc.counters[0].values[1], report.counters[0].samples[1][1] - report.counters[0].samples[0][1]);
	assert.equal(doc.counters[0].samples, undefined);
	assert.deepEqual(doc.threads[doc.calls.columns.thread[0]],
		[report.calls[0].trace, report.calls[0].pid, report.calls[0].m, report.calls[0].tid]);
});

test('readReport takes either form', () => {
	const report = generateReport({ allocations: 50, processes: 1, ms: 2 });
	const fromPlain = readReport(report, 'r.json');
	const fromColumns = parseReport(JSON.stringify(encodeColumns(report)), 'r.html');
	assert.equal(fromPlain.allocations.length, report.allocations.length);
	assert.deepEqual(fromColumns.allocations.get(7), fromPlain.allocations.get(7));
	assert.deepEqual(fromColumns.calls.get(3), fromPlain.calls.get(3));
	assert.throws(() => readReport({ ...report, version: '2.0' }, 'r.json'), /version 2\.0/);
	assert.throws(() => readReport({ ...encodeColumns(report), version: '2.0' }, 'r.html'), /version 2\.0/);
});

test('bad columns are named', () => {
	const cases = [
		[(d) => { d.layout = 'rows'; }, /layout is "rows", expected "columns"/],
		[(d) => { d.allocations = []; }, /allocations is \[\], expected an object of columns/],
		[(d) => { d.allocations.count = -1; }, /allocations\.count is -1/],
		[(d) => { d.allocations.columns.size.pop(); }, /allocations\.columns\.size\.length is \d+, expected \d+, one value per record/],
		[(d) => { delete d.calls.columns.entry; }, /calls\.columns\.entry is missing, expected an array/],
		[(d) => { d.allocations.columns.size[2] = 1.5; }, /allocations\.columns\.size\[2\] is 1\.5, expected an integer/],
		[(d) => { d.allocations.columns.size[2] = -4; }, /allocations\.columns\.size\[2\] is -4, expected an integer in \[0, 2\^53\)/],
		[(d) => { d.allocations.columns.id[0] = -1; }, /allocations\.columns\.id\[0\] is -1, expected a difference that keeps the running value/],
		[(d) => { d.allocations.columns.alloc[1] = 2 ** 60; }, /allocations\.columns\.alloc\[1\] is 1152921504606847000/],
		[(d) => { d.allocations.columns.thread[0] = 99; }, /allocations\.columns\.thread\[0\] is 99, expected an index below \d+/],
		[(d) => { d.allocations.columns.kind[0] = 3; }, /allocations\.columns\.kind\[0\] is 3, expected an index below 3/],
		[(d) => { d.allocations.columns.flags[0] = 128; }, /allocations\.columns\.flags\[0\] is 128, expected flags below 128/],
		[(d) => { d.allocations.columns.flags[0] ^= 8; }, /allocations\.columns\.alloc\.length is \d+, expected \d+/],
		[(d) => { d.allocations.kinds = ['malloc']; }, /allocations\.kinds is \["malloc"\], expected a list that starts with \["cgo","managed","malloc"\]/],
		[(d) => { d.allocations.states = 'freed'; }, /allocations\.states is "freed", expected an array of at most 256 strings/],
		[(d) => { d.allocations.columns.addr[4] = '0x10'; }, /allocations\.columns\.addr\[4\] is "0x10", expected a difference that keeps the address/],
		[(d) => { d.allocations.columns.addr = d.allocations.columns.addr.map((a, i) => (i === 2 ? 5 : `0x${i}`)); }, /allocations\.columns\.addr\[2\] is 5, expected a string/],
		[(d) => { d.calls.columns.release = 1; d.threads.push([0, 4000, null, 5]); d.calls.columns.thread[0] = d.threads.length - 1; }, /calls\.columns\.thread\[0\] is \d+, expected the index of a thread that is an M/],
		[(d) => { d.calls.columns.exit[0] = -1e9; }, /calls\.columns\.exit\[0\] is -1000000000, expected a difference from \d+ that gives a value in \[0, 2\^53\)/],
		[(d) => { d.threads[0] = [0, 4000, 1]; }, /threads\[0\] is \[0,4000,1\], expected \[trace, pid, m or null, tid or null\]/],
		[(d) => { d.threads = {}; }, /threads is \{\}, expected an array/],
		[(d) => { d.counters[0].values.pop(); }, /counters\[0\]\.values is \[.*, expected an array of \d+ values, one per time/],
		[(d) => { d.counters[0].times[1] = -1; }, /counters\[0\]\.times\[1\] is -1, expected an integer >= 0: sample times ascend/],
		[(d) => { d.counters[1] = 'x'; }, /counters\[1\] is "x", expected an object/],
		[(d) => { d.gc_cycles.columns.start[0] = 'soon'; }, /gc_cycles\.columns\.start\[0\] is "soon", expected a difference/],
		[(d) => { d.gc_cycles.reasons = ['forced']; }, /gc_cycles\.reasons is \["forced"\], expected a list that starts with/],
		[(d) => { d.gc_cycles.columns.flags[0] = 1024; }, /gc_cycles\.columns\.flags\[0\] is 1024, expected flags below 1024/],
		[(d) => { d.gc_cycles.columns.freed_bytes[0] = -3; }, /gc_cycles\.columns\.freed_bytes\[0\] is -3, expected an integer in \[0, 2\^53\)/],
		[(d) => { d.gc_cycles.columns.reason_code.pop(); }, /gc_cycles\.columns\.reason_code\.length is \d+, expected \d+/],
		[(d) => { d.anomalies = []; }, /anomalies is \[\], expected an object of columns/],
		[(d) => { d.anomalies.columns.message[0] = 7; }, /anomalies\.columns\.message\[0\] is 7, expected a string/],
		[(d) => { d.anomalies.columns.kind[0] = 99; }, /anomalies\.columns\.kind\[0\] is 99, expected an index below 5/],
		[(d) => { d.anomalies.columns.flags[0] = 32; }, /anomalies\.columns\.flags\[0\] is 32, expected flags below 32/],
		[(d) => { d.anomalies.columns.time.push(5); }, /anomalies\.columns\.time\.length is \d+, expected \d+/],
		[(d) => { d.end = -5; }, /end is -5/],
	];
	for (const [damage, pattern] of cases) {
		const doc = encodeColumns(generateReport({ allocations: 40, processes: 1, ms: 2 }));
		damage(doc);
		rejects(doc, pattern);
	}
});
