// SPDX-License-Identifier: MIT
// Load stage: the columnar form of a report (docs/report-format.md, "The viewer page's columnar
// form"). encodeColumns turns a plain report into it, and decodeColumns checks it and restores
// the allocations and calls into typed-array tables, which the later stages read.

import { ReportError, rejectField, checkHeader, checkRecordSections, checkReport } from './report.js';

export const CALL_KINDS = ['cgocall', 'callback'];
export const ALLOCATION_KINDS = ['cgo', 'managed', 'malloc'];
export const ALLOCATION_STATES = ['freed', 'released', 'pinned', 'live_at_end'];
export const GC_REASONS = ['automatic', 'forced', 'out_of_memory', 'other'];
// Optional numbers of a GC cycle, in the order of their flag bits (bit 1 upwards).
const GC_FIELDS = ['start', 'end', 'pause_ns', 'live_bytes_before', 'goal_bytes', 'marked_objects',
	'freed_objects', 'freed_bytes', 'live_bytes_after'];
// Anomaly kinds of format 1.0, in the order of the writer's enum.
export const ANOMALY_KIND_NAMES = ['freed_while_pinned', 'free_without_alloc', 'unterminated_call', 'live_at_end', 'unmatched_exit'];

// Bits of the calls' flags column.
const CALL_UNCERTAIN = 1;
const CALL_HAS_FN = 2;
const CALL_HAS_ENTRY = 4;
const CALL_HAS_EXIT = 8;

// Bits of the allocations' flags column.
const ALLOC_UNCERTAIN = 1;
const ALLOC_HAS_OBJECT_ID = 2;
const ALLOC_HAS_DEPTH = 4;
const ALLOC_HAS_ALLOC = 8;
const ALLOC_HAS_RELEASE = 16;
const ALLOC_HAS_FREE = 32;
const ALLOC_HAS_GC_CYCLE = 64;

// Bit of the GC cycles' flags column. Bit 1 + k is set when GC_FIELDS[k] is not null.
const GC_UNCERTAIN = 1;

// Bits of the anomalies' flags column.
const ANOMALY_UNCERTAIN = 1;
const ANOMALY_HAS_TIME = 2;
const ANOMALY_HAS_ALLOCATION = 4;
const ANOMALY_HAS_CALL = 8;
const ANOMALY_HAS_ADDR = 16;

// Names that a kind or state column can index: one byte each.
const MAX_NAMES = 256;

const MAX_EXACT = Number.MAX_SAFE_INTEGER;

// ---- Encoding a plain report ----

// Returns the index of NAME in NAMES, appending it when it is new.
function nameIndex(names, name) {
	let index = names.indexOf(name);
	if (index < 0) {
		index = names.length;
		names.push(name);
	}
	return index;
}

// Assigns thread indexes to (trace, pid, m, tid) in the order of first use.
class ThreadTable {
	constructor() {
		this.list = [];
		this.byKey = new Map();
	}

	indexOf(trace, pid, m, tid) {
		const key = `${trace}/${pid}/${m}/${tid}`;
		let index = this.byKey.get(key);
		if (index === undefined) {
			index = this.list.length;
			this.byKey.set(key, index);
			this.list.push([trace, pid, m, tid]);
		}
		return index;
	}
}

// A column of differences between consecutive values.
class DeltaColumn {
	constructor() {
		this.values = [];
		this.previous = 0;
	}

	push(value) {
		this.values.push(value - this.previous);
		this.previous = value;
	}
}

// Returns the address "0x..." as an integer, or null when it is above 2^53 - 1 or not hex.
function addressValue(text) {
	if (!/^0x[0-9a-f]{1,14}$/.test(text))
		return null;
	const value = parseInt(text.slice(2), 16);
	return value <= MAX_EXACT ? value : null;
}

// Returns an address column: deltas when every address fits a double exactly, else the strings.
function addressColumn(texts) {
	const column = new DeltaColumn();
	for (const text of texts) {
		const value = addressValue(text);
		if (value === null)
			return texts;
		column.push(value);
	}
	return column.values;
}

function encodeGcCycles(cycles, threads) {
	const reasons = [...GC_REASONS];
	const cycle = new DeltaColumn();
	const start = new DeltaColumn();
	const columns = { thread: [], flags: [], reason: [], reason_code: [] };
	for (const name of GC_FIELDS.slice(1))
		columns[name] = [];
	for (const record of cycles) {
		let flags = record.uncertain ? GC_UNCERTAIN : 0;
		GC_FIELDS.forEach((name, k) => {
			flags |= record[name] !== null && record[name] !== undefined ? 2 << k : 0;
		});
		columns.thread.push(threads.indexOf(record.trace, record.pid, null, null));
		cycle.push(record.cycle);
		columns.flags.push(flags);
		columns.reason.push(nameIndex(reasons, record.reason));
		columns.reason_code.push(record.reason_code);
		if (record.start !== null)
			start.push(record.start);
		if (record.end !== null)
			columns.end.push(record.end - (record.start !== null ? record.start : 0));
		for (const name of GC_FIELDS.slice(2)) {
			if (record[name] !== null && record[name] !== undefined)
				columns[name].push(record[name]);
		}
	}
	return {
		count: cycles.length, reasons,
		columns: { ...columns, cycle: cycle.values, start: start.values },
	};
}

function encodeCalls(calls, threads) {
	const kinds = [...CALL_KINDS];
	const id = new DeltaColumn();
	const entry = new DeltaColumn();
	const flags = [];
	const thread = [];
	const depth = [];
	const kind = [];
	const fns = [];
	const exit = [];
	for (const call of calls) {
		id.push(call.id);
		flags.push((call.uncertain ? CALL_UNCERTAIN : 0) | (call.fn !== null ? CALL_HAS_FN : 0) |
			(call.entry !== null ? CALL_HAS_ENTRY : 0) | (call.exit !== null ? CALL_HAS_EXIT : 0));
		thread.push(threads.indexOf(call.trace, call.pid, call.m, call.tid === undefined ? null : call.tid));
		depth.push(call.depth);
		kind.push(nameIndex(kinds, call.kind));
		if (call.fn !== null)
			fns.push(call.fn);
		if (call.entry !== null)
			entry.push(call.entry);
		if (call.exit !== null)
			exit.push(call.exit - (call.entry !== null ? call.entry : 0));
	}
	return {
		count: calls.length, kinds,
		columns: {
			id: id.values, flags, thread, depth, kind, fn: addressColumn(fns), entry: entry.values, exit,
		},
	};
}

function encodeAllocations(records, threads) {
	const kinds = [...ALLOCATION_KINDS];
	const states = [...ALLOCATION_STATES];
	const id = new DeltaColumn();
	const objectId = new DeltaColumn();
	const alloc = new DeltaColumn();
	const gcCycle = new DeltaColumn();
	const columns = { flags: [], thread: [], kind: [], state: [], size: [], depth: [], release: [], free: [] };
	const addrs = [];
	for (const record of records) {
		id.push(record.id);
		const objectIdOf = record.object_id === undefined ? null : record.object_id;
		columns.flags.push((record.uncertain ? ALLOC_UNCERTAIN : 0) |
			(objectIdOf !== null ? ALLOC_HAS_OBJECT_ID : 0) | (record.depth !== null ? ALLOC_HAS_DEPTH : 0) |
			(record.alloc !== null ? ALLOC_HAS_ALLOC : 0) | (record.release !== null ? ALLOC_HAS_RELEASE : 0) |
			(record.free !== null ? ALLOC_HAS_FREE : 0) | (record.gc_cycle !== null ? ALLOC_HAS_GC_CYCLE : 0));
		columns.thread.push(threads.indexOf(record.trace, record.pid, record.m, record.tid));
		columns.kind.push(nameIndex(kinds, record.kind));
		columns.state.push(nameIndex(states, record.state));
		if (objectIdOf !== null)
			objectId.push(objectIdOf);
		addrs.push(record.addr);
		columns.size.push(record.size);
		if (record.depth !== null)
			columns.depth.push(record.depth);
		if (record.alloc !== null)
			alloc.push(record.alloc);
		const allocBase = record.alloc !== null ? record.alloc : 0;
		if (record.release !== null)
			columns.release.push(record.release - allocBase);
		if (record.free !== null)
			columns.free.push(record.free - (record.release !== null ? record.release : allocBase));
		if (record.gc_cycle !== null)
			gcCycle.push(record.gc_cycle);
	}
	return {
		count: records.length, kinds, states,
		columns: {
			id: id.values, flags: columns.flags, thread: columns.thread, kind: columns.kind,
			state: columns.state, object_id: objectId.values, addr: addressColumn(addrs), size: columns.size,
			depth: columns.depth, alloc: alloc.values, release: columns.release, free: columns.free,
			gc_cycle: gcCycle.values,
		},
	};
}

function encodeAnomalies(anomalies, threads) {
	const kinds = [...ANOMALY_KIND_NAMES];
	const time = new DeltaColumn();
	const allocation = new DeltaColumn();
	const call = new DeltaColumn();
	const columns = { kind: [], flags: [], thread: [], message: [] };
	const addrs = [];
	for (const anomaly of anomalies) {
		const addr = anomaly.addr === undefined ? null : anomaly.addr;
		columns.kind.push(nameIndex(kinds, anomaly.kind));
		columns.flags.push((anomaly.uncertain ? ANOMALY_UNCERTAIN : 0) |
			(anomaly.time !== null ? ANOMALY_HAS_TIME : 0) | (anomaly.allocation !== null ? ANOMALY_HAS_ALLOCATION : 0) |
			(anomaly.call !== null ? ANOMALY_HAS_CALL : 0) | (addr !== null ? ANOMALY_HAS_ADDR : 0));
		columns.thread.push(threads.indexOf(anomaly.trace, anomaly.pid, anomaly.m, anomaly.tid));
		if (anomaly.time !== null)
			time.push(anomaly.time);
		if (anomaly.allocation !== null)
			allocation.push(anomaly.allocation);
		if (anomaly.call !== null)
			call.push(anomaly.call);
		if (addr !== null)
			addrs.push(addr);
		columns.message.push(anomaly.message);
	}
	return {
		count: anomalies.length, kinds,
		columns: {
			kind: columns.kind, flags: columns.flags, thread: columns.thread, time: time.values,
			allocation: allocation.values, call: call.values, addr: addressColumn(addrs),
			message: columns.message,
		},
	};
}

function encodeCounter(counter) {
	const times = new DeltaColumn();
	const values = new DeltaColumn();
	for (const [time, value] of counter.samples) {
		times.push(time);
		values.push(value);
	}
	const { samples, ...rest } = counter;
	return { ...rest, times: times.values, values: values.values };
}

// Returns the columnar form of REPORT, a plain report that checkReport accepted.
export function encodeColumns(report) {
	const threads = new ThreadTable();
	const gcCycles = encodeGcCycles(report.gc_cycles, threads);
	const calls = encodeCalls(report.calls, threads);
	const allocations = encodeAllocations(report.allocations, threads);
	const anomalies = encodeAnomalies(report.anomalies, threads);
	const { gc_cycles: _gcCycles, calls: _calls, allocations: _allocations, anomalies: _anomalies, counters, ...rest } = report;
	return {
		...rest,
		layout: 'columns',
		threads: threads.list,
		gc_cycles: gcCycles,
		calls,
		allocations,
		anomalies,
		counters: counters.map(encodeCounter),
	};
}

// ---- Tables ----

// Returns the value at INDEX of a column where NaN stands for null.
function orNull(column, index) {
	const value = column[index];
	return Number.isNaN(value) ? null : value;
}

function hexOf(value) {
	return `0x${value.toString(16)}`;
}

// The GC cycles of a report as columns: times and optional numbers are NaN where null.
export class GcTable {
	constructor(count, threads, reasons) {
		this.length = count;
		this.threads = threads;
		this.reasons = reasons;
		this.thread = new Uint32Array(count);
		this.cycle = new Float64Array(count);
		this.reason = new Uint8Array(count);
		this.reasonCode = new Float64Array(count);
		this.uncertain = new Uint8Array(count);
		// One column per name of GC_FIELDS, by that name.
		this.fields = Object.fromEntries(GC_FIELDS.map((name) => [name, new Float64Array(count)]));
		this.start = this.fields.start;
		this.end = this.fields.end;
	}

	// Returns GC cycle INDEX as the plain report's record.
	get(index) {
		const [trace, pid] = this.threads[this.thread[index]];
		const record = {
			trace, pid, cycle: this.cycle[index], reason: this.reasons[this.reason[index]],
			reason_code: this.reasonCode[index],
		};
		for (const name of GC_FIELDS)
			record[name] = orNull(this.fields[name], index);
		record.uncertain = this.uncertain[index] === 1;
		return record;
	}
}

// The foreign calls of a report as columns: times and optional values are NaN where null.
export class CallTable {
	constructor(count, threads, kinds) {
		this.length = count;
		this.threads = threads;
		this.kinds = kinds;
		this.id = new Float64Array(count);
		this.thread = new Uint32Array(count);
		this.depth = new Float64Array(count);
		this.kind = new Uint8Array(count);
		this.fn = null;
		this.fnText = null;
		this.entry = new Float64Array(count);
		this.exit = new Float64Array(count);
		this.uncertain = new Uint8Array(count);
	}

	fnOf(index) {
		if (this.fnText)
			return this.fnText[index];
		return Number.isNaN(this.fn[index]) ? null : hexOf(this.fn[index]);
	}

	// Returns call INDEX as the plain report's record.
	get(index) {
		const [trace, pid, m, tid] = this.threads[this.thread[index]];
		return {
			id: this.id[index], trace, pid, m, tid, depth: this.depth[index],
			kind: this.kinds[this.kind[index]], fn: this.fnOf(index), entry: orNull(this.entry, index),
			exit: orNull(this.exit, index), uncertain: this.uncertain[index] === 1,
		};
	}
}

// The allocations of a report as columns: times and optional values are NaN where null.
export class AllocationTable {
	constructor(count, threads, kinds, states) {
		this.length = count;
		this.threads = threads;
		this.kinds = kinds;
		this.states = states;
		this.id = new Float64Array(count);
		this.objectId = new Float64Array(count);
		this.thread = new Uint32Array(count);
		this.kind = new Uint8Array(count);
		this.state = new Uint8Array(count);
		this.addr = null;
		this.addrText = null;
		this.size = new Float64Array(count);
		this.depth = new Float64Array(count);
		this.alloc = new Float64Array(count);
		this.release = new Float64Array(count);
		this.free = new Float64Array(count);
		this.gcCycle = new Float64Array(count);
		this.uncertain = new Uint8Array(count);
	}

	addrOf(index) {
		return this.addrText ? this.addrText[index] : hexOf(this.addr[index]);
	}

	// Returns allocation INDEX as the plain report's record.
	// NOTE: fields that a later minor version adds to records are not kept, so they are not shown.
	get(index) {
		const [trace, pid, m, tid] = this.threads[this.thread[index]];
		return {
			id: this.id[index], object_id: orNull(this.objectId, index), trace, pid, m, tid,
			kind: this.kinds[this.kind[index]], addr: this.addrOf(index), size: this.size[index],
			depth: orNull(this.depth, index), alloc: orNull(this.alloc, index),
			release: orNull(this.release, index), free: orNull(this.free, index),
			gc_cycle: orNull(this.gcCycle, index), state: this.states[this.state[index]],
			uncertain: this.uncertain[index] === 1,
		};
	}
}

// ---- Decoding ----

const INTEGER = 'an integer';
const ID_RANGE = 'an integer in [0, 2^53)';

// Reads the column NAME of SECTION (calls or allocations) in SOURCE: an array of LENGTH integers.
class ColumnReader {
	constructor(source, section, columns, name, length) {
		this.path = `${section}.columns.${name}`;
		this.source = source;
		this.values = columns[name];
		if (!Array.isArray(this.values))
			rejectField(source, this.path, this.values, 'an array');
		if (this.values.length !== length)
			rejectField(source, `${this.path}.length`, this.values.length,
				`${length}, one value per record${length === 0 ? '' : ' that has the field'}`);
		this.next = 0;
		this.sum = 0;
	}

	reject(k, expected) {
		rejectField(this.source, `${this.path}[${k}]`, this.values[k], expected);
	}

	// Returns the next value, an integer.
	plain() {
		const k = this.next++;
		const value = this.values[k];
		if (!Number.isSafeInteger(value))
			this.reject(k, INTEGER);
		return value;
	}

	// Returns the next value, an integer in [0, 2^53).
	id() {
		const value = this.plain();
		if (value < 0)
			this.reject(this.next - 1, ID_RANGE);
		return value;
	}

	// Returns the next value of a delta column, restored: an integer in [0, 2^53).
	delta() {
		const k = this.next++;
		const value = this.values[k];
		const sum = this.sum + value;
		if (!Number.isSafeInteger(value) || !Number.isSafeInteger(sum) || sum < 0)
			this.reject(k, `a difference that keeps the running value in [0, 2^53), after ${this.sum}`);
		this.sum = sum;
		return sum;
	}

	// Returns the next value plus BASE, which must be an integer in [0, 2^53).
	offset(base) {
		const k = this.next++;
		const value = this.values[k];
		const sum = base + value;
		if (!Number.isSafeInteger(value) || !Number.isSafeInteger(sum) || sum < 0)
			this.reject(k, `a difference from ${base} that gives a value in [0, 2^53)`);
		return sum;
	}

	// Returns the next value, an index into a list of LENGTH entries.
	index(length) {
		const value = this.plain();
		if (value < 0 || value >= length)
			this.reject(this.next - 1, `an index below ${length}`);
		return value;
	}
}

// Returns how many of FLAGS have BIT set.
function countFlag(flags, bit) {
	let count = 0;
	for (let i = 0; i < flags.length; i++)
		count += flags[i] & bit ? 1 : 0;
	return count;
}

function checkNames(source, path, names, known) {
	if (!Array.isArray(names) || names.length > MAX_NAMES || !names.every((name) => typeof name === 'string'))
		rejectField(source, path, names, `an array of at most ${MAX_NAMES} strings`);
	if (known.some((name, i) => names[i] !== name))
		rejectField(source, path, names, `a list that starts with ${JSON.stringify(known)}`);
}

function checkThreads(source, threads) {
	if (!Array.isArray(threads))
		rejectField(source, 'threads', threads, 'an array');
	const isId = (v) => Number.isSafeInteger(v) && v >= 0;
	threads.forEach((thread, i) => {
		if (!Array.isArray(thread) || thread.length !== 4 || !isId(thread[0]) || !isId(thread[1]) ||
		    !(thread[2] === null || isId(thread[2])) || !(thread[3] === null || isId(thread[3])))
			rejectField(source, `threads[${i}]`, thread, '[trace, pid, m or null, tid or null]');
	});
}

// Checks the object SECTION of SOURCE and returns its flags column, checked, as an array.
function sectionFlags(source, name, section, bits) {
	if (section === null || typeof section !== 'object' || Array.isArray(section))
		rejectField(source, name, section, 'an object of columns ("layout": "columns")');
	if (!Number.isSafeInteger(section.count) || section.count < 0)
		rejectField(source, `${name}.count`, section.count, 'an integer >= 0');
	if (section.columns === null || typeof section.columns !== 'object' || Array.isArray(section.columns))
		rejectField(source, `${name}.columns`, section.columns, 'an object');
	const reader = new ColumnReader(source, name, section.columns, 'flags', section.count);
	for (let i = 0; i < section.count; i++) {
		const value = reader.plain();
		if (value < 0 || value >= bits)
			reader.reject(i, `flags below ${bits}`);
	}
	return reader.values;
}

// Reads an address column of COUNT values: deltas, or strings when some address needs them.
function readAddresses(source, path, values, count) {
	if (!Array.isArray(values))
		rejectField(source, path, values, 'an array');
	if (values.length !== count)
		rejectField(source, `${path}.length`, values.length, `${count}, one address per record that has one`);
	if (count > 0 && typeof values[0] === 'string') {
		values.forEach((value, k) => {
			if (typeof value !== 'string')
				rejectField(source, `${path}[${k}]`, value, 'a string, like the other addresses of the column');
		});
		return { numbers: null, texts: values };
	}
	const numbers = new Float64Array(count);
	let sum = 0;
	for (let k = 0; k < count; k++) {
		const value = values[k];
		sum += value;
		if (!Number.isSafeInteger(value) || !Number.isSafeInteger(sum) || sum < 0)
			rejectField(source, `${path}[${k}]`, value, 'a difference that keeps the address in [0, 2^53)');
		numbers[k] = sum;
	}
	return { numbers, texts: null };
}

function decodeGcCycles(source, section, threads) {
	const flags = sectionFlags(source, 'gc_cycles', section, 2 << GC_FIELDS.length);
	checkNames(source, 'gc_cycles.reasons', section.reasons, GC_REASONS);
	const n = section.count;
	const table = new GcTable(n, threads, section.reasons);

	const column = (name, count) => new ColumnReader(source, 'gc_cycles', section.columns, name, count);
	const thread = column('thread', n);
	const cycle = column('cycle', n);
	const reason = column('reason', n);
	const reasonCode = column('reason_code', n);
	const fields = GC_FIELDS.map((name, k) => column(name, countFlag(flags, 2 << k)));
	const [start, end, ...counts] = fields;

	for (let i = 0; i < n; i++) {
		const bits = flags[i];
		table.thread[i] = thread.index(threads.length);
		table.cycle[i] = cycle.delta();
		table.reason[i] = reason.index(section.reasons.length);
		table.reasonCode[i] = reasonCode.plain();
		table.uncertain[i] = bits & GC_UNCERTAIN ? 1 : 0;
		const started = bits & 2 ? start.delta() : NaN;
		const base = Number.isNaN(started) ? 0 : started;
		table.start[i] = started;
		table.end[i] = bits & 4 ? end.offset(base) : NaN;
		counts.forEach((reader, k) => {
			table.fields[GC_FIELDS[k + 2]][i] = bits & (8 << k) ? reader.id() : NaN;
		});
	}
	return table;
}

function decodeCalls(source, section, threads) {
	const flags = sectionFlags(source, 'calls', section, 16);
	checkNames(source, 'calls.kinds', section.kinds, CALL_KINDS);
	const n = section.count;
	const table = new CallTable(n, threads, section.kinds);

	const column = (name, count) => new ColumnReader(source, 'calls', section.columns, name, count);
	const id = column('id', n);
	const thread = column('thread', n);
	const depth = column('depth', n);
	const kind = column('kind', n);
	const entry = column('entry', countFlag(flags, CALL_HAS_ENTRY));
	const exit = column('exit', countFlag(flags, CALL_HAS_EXIT));
	const fns = readAddresses(source, 'calls.columns.fn', section.columns.fn, countFlag(flags, CALL_HAS_FN));
	if (fns.texts)
		table.fnText = new Array(n).fill(null);
	else
		table.fn = new Float64Array(n).fill(NaN);
	let fnNext = 0;

	for (let i = 0; i < n; i++) {
		const bits = flags[i];
		table.id[i] = id.delta();
		table.thread[i] = thread.index(threads.length);
		if (threads[table.thread[i]][2] === null)
			thread.reject(i, 'the index of a thread that is an M: every call runs on an M');
		table.depth[i] = depth.id();
		table.kind[i] = kind.index(section.kinds.length);
		if (bits & CALL_HAS_FN) {
			if (fns.texts)
				table.fnText[i] = fns.texts[fnNext++];
			else
				table.fn[i] = fns.numbers[fnNext++];
		}
		const start = bits & CALL_HAS_ENTRY ? entry.delta() : NaN;
		const base = Number.isNaN(start) ? 0 : start;
		table.entry[i] = start;
		table.exit[i] = bits & CALL_HAS_EXIT ? exit.offset(base) : NaN;
		table.uncertain[i] = bits & CALL_UNCERTAIN ? 1 : 0;
	}
	return table;
}

function decodeAllocations(source, section, threads) {
	const flags = sectionFlags(source, 'allocations', section, 128);
	checkNames(source, 'allocations.kinds', section.kinds, ALLOCATION_KINDS);
	checkNames(source, 'allocations.states', section.states, ALLOCATION_STATES);
	const n = section.count;
	const table = new AllocationTable(n, threads, section.kinds, section.states);

	const column = (name, count) => new ColumnReader(source, 'allocations', section.columns, name, count);
	const id = column('id', n);
	const thread = column('thread', n);
	const kind = column('kind', n);
	const state = column('state', n);
	const size = column('size', n);
	const objectId = column('object_id', countFlag(flags, ALLOC_HAS_OBJECT_ID));
	const depth = column('depth', countFlag(flags, ALLOC_HAS_DEPTH));
	const alloc = column('alloc', countFlag(flags, ALLOC_HAS_ALLOC));
	const release = column('release', countFlag(flags, ALLOC_HAS_RELEASE));
	const free = column('free', countFlag(flags, ALLOC_HAS_FREE));
	const gcCycle = column('gc_cycle', countFlag(flags, ALLOC_HAS_GC_CYCLE));
	const addrs = readAddresses(source, 'allocations.columns.addr', section.columns.addr, n);
	table.addr = addrs.numbers;
	table.addrText = addrs.texts;

	for (let i = 0; i < n; i++) {
		const bits = flags[i];
		table.id[i] = id.delta();
		table.thread[i] = thread.index(threads.length);
		table.kind[i] = kind.index(section.kinds.length);
		table.state[i] = state.index(section.states.length);
		table.size[i] = size.id();
		table.objectId[i] = bits & ALLOC_HAS_OBJECT_ID ? objectId.delta() : NaN;
		table.depth[i] = bits & ALLOC_HAS_DEPTH ? depth.id() : NaN;
		const start = bits & ALLOC_HAS_ALLOC ? alloc.delta() : NaN;
		const base = Number.isNaN(start) ? 0 : start;
		const released = bits & ALLOC_HAS_RELEASE ? release.offset(base) : NaN;
		// free is stored relative to the release, or to the alloc when there was none.
		const freeBase = Number.isNaN(released) ? base : released;
		table.alloc[i] = start;
		table.release[i] = released;
		table.free[i] = bits & ALLOC_HAS_FREE ? free.offset(freeBase) : NaN;
		table.gcCycle[i] = bits & ALLOC_HAS_GC_CYCLE ? gcCycle.delta() : NaN;
		table.uncertain[i] = bits & ALLOC_UNCERTAIN ? 1 : 0;
	}
	return table;
}

// Restores the anomalies into an array of the plain report's records: the viewer lists them one
// by one, and there are far fewer of them than allocations.
function decodeAnomalies(source, section, threads) {
	const flags = sectionFlags(source, 'anomalies', section, 32);
	checkNames(source, 'anomalies.kinds', section.kinds, ANOMALY_KIND_NAMES);
	const n = section.count;
	const column = (name, count) => new ColumnReader(source, 'anomalies', section.columns, name, count);
	const kind = column('kind', n);
	const thread = column('thread', n);
	const time = column('time', countFlag(flags, ANOMALY_HAS_TIME));
	const allocation = column('allocation', countFlag(flags, ANOMALY_HAS_ALLOCATION));
	const call = column('call', countFlag(flags, ANOMALY_HAS_CALL));
	const addrs = readAddresses(source, 'anomalies.columns.addr', section.columns.addr, countFlag(flags, ANOMALY_HAS_ADDR));
	const messages = column('message', n).values;
	const anomalies = new Array(n);
	let addrNext = 0;

	for (let i = 0; i < n; i++) {
		const bits = flags[i];
		const kindName = section.kinds[kind.index(section.kinds.length)];
		const [trace, pid, m, tid] = threads[thread.index(threads.length)];
		let addr = null;
		if (bits & ANOMALY_HAS_ADDR) {
			addr = addrs.texts ? addrs.texts[addrNext] : hexOf(addrs.numbers[addrNext]);
			addrNext++;
		}
		if (typeof messages[i] !== 'string')
			rejectField(source, `anomalies.columns.message[${i}]`, messages[i], 'a string');
		anomalies[i] = {
			kind: kindName, trace, pid, m, tid,
			time: bits & ANOMALY_HAS_TIME ? time.delta() : null,
			allocation: bits & ANOMALY_HAS_ALLOCATION ? allocation.delta() : null,
			call: bits & ANOMALY_HAS_CALL ? call.delta() : null,
			addr, uncertain: (bits & ANOMALY_UNCERTAIN) !== 0, message: messages[i],
		};
	}
	return anomalies;
}

// Restores a counter's samples into {trace, pid, m, name, unit, times, values}, typed arrays.
function decodeCounter(source, counter, i) {
	const path = `counters[${i}]`;
	if (counter === null || typeof counter !== 'object' || Array.isArray(counter))
		rejectField(source, path, counter, 'an object');
	const { times, values } = counter;
	if (!Array.isArray(times))
		rejectField(source, `${path}.times`, times, 'an array');
	if (!Array.isArray(values) || values.length !== times.length)
		rejectField(source, `${path}.values`, values, `an array of ${times.length} values, one per time`);
	const n = times.length;
	const restored = { times: new Float64Array(n), values: new Float64Array(n) };
	let time = 0;
	let value = 0;
	for (let k = 0; k < n; k++) {
		time += times[k];
		value += values[k];
		if (!Number.isSafeInteger(times[k]) || times[k] < 0 || !Number.isSafeInteger(time))
			rejectField(source, `${path}.times[${k}]`, times[k], 'an integer >= 0: sample times ascend');
		if (!Number.isSafeInteger(values[k]) || !Number.isSafeInteger(value))
			rejectField(source, `${path}.values[${k}]`, values[k], 'an integer difference');
		restored.times[k] = time;
		restored.values[k] = value;
	}
	const { times: _times, values: _values, ...rest } = counter;
	return { ...rest, ...restored };
}

// Checks DOC, the columnar form of a report read from SOURCE, and returns the restored report.
// Its GC cycles, calls and allocations are a GcTable, a CallTable and an AllocationTable, its
// anomalies are records, and its counters' samples are typed arrays. Throws a ReportError naming
// the first problem.
export function decodeColumns(doc, source) {
	checkHeader(doc, source);
	if (doc.layout !== 'columns')
		rejectField(source, 'layout', doc.layout, '"columns"');
	checkRecordSections(doc, source);
	checkThreads(source, doc.threads);
	if (!Array.isArray(doc.counters))
		rejectField(source, 'counters', doc.counters, 'an array');
	const threads = doc.threads;
	return {
		...doc,
		gc_cycles: decodeGcCycles(source, doc.gc_cycles, threads),
		calls: decodeCalls(source, doc.calls, threads),
		allocations: decodeAllocations(source, doc.allocations, threads),
		anomalies: decodeAnomalies(source, doc.anomalies, threads),
		counters: doc.counters.map((counter, i) => decodeCounter(source, counter, i)),
	};
}

// Returns the report in VALUE (parsed JSON from SOURCE, either form) as decodeColumns returns it,
// with `form` set to the form it came in: "columns" or "plain".
export function readReport(value, source) {
	if (value !== null && typeof value === 'object' && value.layout === 'columns')
		return { ...decodeColumns(value, source), form: 'columns' };
	checkReport(value, source);
	return { ...decodeColumns(encodeColumns(value), source), form: 'plain' };
}

// Parses TEXT (the contents of SOURCE, a file name for messages) as JSON. Otherwise it throws a
// ReportError that names what the text is instead: empty, an HTML page, or cut off.
export function parseJson(text, source) {
	try {
		return JSON.parse(text);
	} catch (err) {
		const content = text.trim();
		if (content === '')
			throw new ReportError(`${source} is empty. Open a report that cgomal report wrote.`);
		if (content.startsWith('<'))
			throw new ReportError(`${source} is an HTML page, not a report JSON. Open the page itself in ` +
				'the browser: a page that cgomal report --html wrote shows its own report.');
		// V8 names the position of the error. A position at the end means that the text stops
		// in the middle of the report.
		const position = /position (\d+)/.exec(err.message);
		if (/end of JSON input/.test(err.message) || (position && Number(position[1]) >= content.length - 1))
			throw new ReportError(`${source} ends in the middle of the report (${err.message}): the file ` +
				'was cut off, for example by an interrupted copy or a full disk. Write it again with cgomal report.');
		throw new ReportError(`${source} is not valid JSON (${err.message}). Open a report ` +
			'that cgomal report wrote, or write a new one.');
	}
}

// Parses TEXT (the contents of SOURCE) and returns it as readReport does.
export function parseReport(text, source) {
	return readReport(parseJson(text, source), source);
}
