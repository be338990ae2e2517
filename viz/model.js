// SPDX-License-Identifier: MIT
// Index stage (load → index → render): turns a loaded report (columns.js) into processes and
// tracks, arrays of drawn times, packed lanes of calls, lifetimes and GC cycles, counters, and
// sorted orders for time-range queries. Everything else reads the report through this model.

import { argsortByKey, groupIndexes, lowerBound, upperBound, packLanes, Lane, StepSeries, MARK_ANOMALY, MARK_UNCERTAIN } from './lanes.js';

export const KINDS = ['cgo', 'managed', 'malloc'];
export const STATES = ['freed', 'released', 'pinned', 'live_at_end'];
// Index for a kind or state that a later minor version adds; drawn and counted as "other".
export const OTHER_CODE = 255;

// Mark bit of call spans that run managed code (callbacks) rather than foreign code.
export const MARK_CALLBACK = 8;

// Lanes per track before further overlapping lifetimes go to the track's overflow row. Sixteen
// rows of lifetime bars stay readable at the smallest row height.
const MAX_ALLOCATION_LANES = 16;
// Lanes per call depth; spans at one depth of one M never overlap in a well-formed report.
const MAX_CALL_LANES = 4;

function processKey(trace, pid) {
	return `${trace}/${pid}`;
}

function trackKeyOf(trace, pid, m, tid) {
	return m !== null ? `${trace}/${pid}/m${m}` : `${trace}/${pid}/t${tid === null ? '?' : tid}`;
}

// Builds the model of REPORT, as readReport or parseReport (columns.js) returns it.
export function buildModel(report) {
	const model = {
		report,
		origin: report.origin,
		begin: 0,
		end: report.end,
		processes: [],
		tracks: [],
		processByKey: new Map(),
		trackByKey: new Map(),
		trackCache: new Map(),
		callById: null,
		allocationById: null,
		anomaliesByAllocation: new Map(),
		anomaliesByCall: new Map(),
		anomalyOrder: null,
		anomalyCounts: new Map(),
	};
	indexProcesses(model, report);
	indexCalls(model, report);
	indexAllocations(model, report);
	indexGcCycles(model, report);
	indexCounters(model, report);
	indexDiscarded(model, report);
	labelProcesses(model);
	sortTracks(model);
	setExtent(model);
	model.visible = new Uint8Array(model.alloc.count).fill(1);
	model.shownTracks = model.tracks;
	relayoutAllocations(model);
	return model;
}

function ensureProcess(model, trace, pid) {
	const key = processKey(trace, pid);
	let process = model.processByKey.get(key);
	if (!process) {
		process = {
			key, trace, pid, procname: null, begin: 0, end: model.end, tracks: [], ms: [],
			gcCycles: [], gcLanes: [], liveBytes: null, discarded: [], label: '',
		};
		model.processByKey.set(key, process);
		model.processes.push(process);
	}
	return process;
}

// Returns the track of (TRACE, PID, M or TID) through nested maps of numbers, which is several
// times faster than building a string key for each of a million records.
function trackOf(model, trace, pid, m, tid) {
	let byPid = model.trackCache.get(trace);
	if (!byPid) {
		byPid = new Map();
		model.trackCache.set(trace, byPid);
	}
	let byThread = byPid.get(pid);
	if (!byThread) {
		byThread = new Map();
		byPid.set(pid, byThread);
	}
	// Ms are keyed by their id (>= 0), threads that are no M by -2 - tid, an unknown thread by -1.
	let code = -1;
	if (m !== null)
		code = m;
	else if (tid !== null)
		code = -2 - tid;
	let track = byThread.get(code);
	if (!track) {
		track = ensureTrack(model, trace, pid, m, m === null ? tid : null);
		byThread.set(code, track);
	}
	return track;
}

function ensureTrack(model, trace, pid, m, tid) {
	const key = trackKeyOf(trace, pid, m, tid);
	let track = model.trackByKey.get(key);
	if (!track) {
		const process = ensureProcess(model, trace, pid);
		const info = m !== null ? process.ms.find((entry) => entry.m === m) : null;
		const tids = info && Array.isArray(info.tids) ? info.tids : [];
		track = {
			key, process, m, tid,
			label: m !== null ? `M${m}` : `thread ${tid === null ? '?' : tid}`,
			detail: m !== null && tids.length ? `tid ${tids.join(', ')}` : '',
			begin: info && info.attach !== null && info.attach !== undefined ? info.attach : process.begin,
			end: info && info.detach !== null && info.detach !== undefined ? info.detach : process.end,
			calls: [], callDepths: [], callOverflow: 0,
			allocations: null, allocLanes: [], overflow: null, pinnedBytes: null,
		};
		model.trackByKey.set(key, track);
		model.tracks.push(track);
		process.tracks.push(track);
	}
	return track;
}

function indexProcesses(model, report) {
	for (const entry of report.processes) {
		const process = ensureProcess(model, entry.trace, entry.pid);
		process.procname = entry.procname;
		process.begin = entry.begin;
		process.end = Math.max(entry.end, entry.begin);
		process.ms = entry.ms.filter((m) => m && Number.isSafeInteger(m.m));
		model.end = Math.max(model.end, process.end);
		for (const m of process.ms)
			ensureTrack(model, entry.trace, entry.pid, m.m, null);
	}
}

// Sets model.begin and model.end to the time the processes and records cover, which "fit all"
// shows. The tracing session often ran well before the program started and after it ended.
function setExtent(model) {
	let begin = Infinity;
	let end = -Infinity;
	for (const process of model.processes) {
		begin = Math.min(begin, process.begin);
		end = Math.max(end, process.end);
	}
	for (const ends of [model.call.ends, model.alloc.ends, model.gc.ends]) {
		for (let i = 0; i < ends.length; i++) {
			if (ends[i] > end)
				end = ends[i];
		}
	}
	if (begin === Infinity) {
		begin = 0;
		end = model.end;
	}
	model.begin = begin;
	model.end = Math.max(end, begin);
}

// Names every process, also those that only records named, once all records are read.
function labelProcesses(model) {
	const traces = new Set(model.processes.map((process) => process.trace));
	for (const process of model.processes) {
		const name = process.procname === null ? 'process' : process.procname;
		process.label = `${name} (pid ${process.pid})` +
			(traces.size > 1 ? ` · trace ${process.trace}` : '');
	}
}

// Anomaly kinds from the most to the least urgent. A dangling pointer comes first, and
// allocations that were still live when the trace ended come last, because a healthy program
// that is traced for a while has many of them. Kinds that a later minor version adds rank just
// above live_at_end.
export const ANOMALY_KINDS = ['freed_while_pinned', 'unterminated_call', 'unmatched_exit', 'free_without_alloc', 'live_at_end'];

// Returns the rank of anomaly KIND in ANOMALY_KINDS, where unknown kinds rank before live_at_end.
export function anomalyRank(kind) {
	const rank = ANOMALY_KINDS.indexOf(kind);
	return rank >= 0 ? rank : ANOMALY_KINDS.length - 1.5;
}

function indexAnomalies(model, report) {
	const ranks = report.anomalies.map((anomaly, index) => {
		model.anomalyCounts.set(anomaly.kind, (model.anomalyCounts.get(anomaly.kind) || 0) + 1);
		if (anomaly.allocation !== null)
			pushToMap(model.anomaliesByAllocation, anomaly.allocation, index);
		if (anomaly.call !== null)
			pushToMap(model.anomaliesByCall, anomaly.call, index);
		return anomalyRank(anomaly.kind);
	});
	// Most urgent kind first, and the report's order (time order) within a kind.
	model.anomalyOrder = Uint32Array.from(ranks.keys()).sort((a, b) => ranks[a] - ranks[b] || a - b);
}

// Maps record ids to record indexes: a typed array when the ids are dense, as `cgomal report`
// assigns them, else a Map. IDS is the id column of a table.
export class IdIndex {
	constructor(ids) {
		let max = -1;
		for (let i = 0; i < ids.length; i++)
			max = Math.max(max, ids[i]);
		this.dense = max < 4 * ids.length + 1024;
		if (this.dense) {
			this.slots = new Int32Array(max + 1).fill(-1);
			for (let i = 0; i < ids.length; i++)
				this.slots[ids[i]] = i;
		} else {
			this.map = new Map();
			for (let i = 0; i < ids.length; i++)
				this.map.set(ids[i], i);
		}
	}

	// Returns the index of the record with ID, or undefined.
	get(id) {
		if (!this.dense)
			return this.map.get(id);
		const index = Number.isInteger(id) && id >= 0 && id < this.slots.length ? this.slots[id] : -1;
		return index >= 0 ? index : undefined;
	}
}

function pushToMap(map, key, value) {
	const list = map.get(key);
	if (list)
		list.push(value);
	else
		map.set(key, [value]);
}

// Returns the track of each entry of THREADS (the report's [trace, pid, m, tid] table) that the
// records' THREAD column names, and null for the entries it does not name.
function threadTracks(model, threads, thread) {
	const tracks = new Array(threads.length).fill(null);
	for (let i = 0; i < thread.length; i++) {
		const t = thread[i];
		if (tracks[t] === null) {
			const [trace, pid, m, tid] = threads[t];
			tracks[t] = trackOf(model, trace, pid, m, tid);
		}
	}
	return tracks;
}

// Groups record indexes 0..N-1 by track, in ascending START, and stores each track's part in
// track[FIELD]. TRACKS gives the track of each entry of the threads table, or null where THREAD,
// the records' thread column, never names the entry.
function groupByTrack(tracks, thread, starts, field) {
	const slots = new Map();
	const slotOfThread = new Uint32Array(tracks.length);
	tracks.forEach((track, t) => {
		if (track === null)
			return;
		if (!slots.has(track))
			slots.set(track, slots.size);
		slotOfThread[t] = slots.get(track);
	});
	const trackIndexes = new Uint32Array(thread.length);
	for (let i = 0; i < thread.length; i++)
		trackIndexes[i] = slotOfThread[thread[i]];
	const { order, offsets } = groupIndexes(argsortByKey(starts), trackIndexes, slots.size);
	for (const [track, slot] of slots)
		track[field] = order.subarray(offsets[slot], offsets[slot + 1]);
}

function indexCalls(model, report) {
	indexAnomalies(model, report);
	const calls = report.calls;
	const n = calls.length;
	const tracks = threadTracks(model, calls.threads, calls.thread);
	const starts = new Float64Array(n);
	const ends = new Float64Array(n);
	const marks = new Uint8Array(n);
	const callback = calls.kinds.indexOf('callback');
	for (let i = 0; i < n; i++) {
		const track = tracks[calls.thread[i]];
		const entry = calls.entry[i];
		const exit = calls.exit[i];
		starts[i] = Number.isNaN(entry) ? track.begin : entry;
		ends[i] = Math.max(Number.isNaN(exit) ? track.process.end : exit, starts[i]);
		marks[i] = (calls.kind[i] === callback ? MARK_CALLBACK : 0) |
			(calls.uncertain[i] ? MARK_UNCERTAIN : 0) |
			(model.anomaliesByCall.has(calls.id[i]) || Number.isNaN(exit) ? MARK_ANOMALY : 0);
		if (ends[i] > model.end)
			model.end = ends[i];
	}
	model.callById = new IdIndex(calls.id);
	model.call = { count: n, starts, ends, marks };

	groupByTrack(tracks, calls.thread, starts, 'calls');
	for (const track of model.tracks)
		track.callDepths = packCallsByDepth(model, track, calls);
}

// Returns the track's call lanes grouped by depth: [{depth, lanes: [Lane]}], outermost first.
function packCallsByDepth(model, track, calls) {
	const byDepth = new Map();
	for (const index of track.calls)
		pushToMap(byDepth, calls.depth[index], index);
	const depths = [...byDepth.keys()].sort((a, b) => a - b);
	const { starts, ends, marks } = model.call;
	return depths.map((depth) => {
		const { lanes, overflow } = packLanes(byDepth.get(depth), starts, ends, MAX_CALL_LANES);
		track.callOverflow += overflow.length;
		return { depth, lanes: lanes.map((items) => laneOf(items, starts, ends, marks, null)) };
	});
}

function laneOf(items, starts, ends, marks, pinnedEnds) {
	const n = items.length;
	const laneStarts = new Float64Array(n);
	const laneEnds = new Float64Array(n);
	const laneMarks = new Uint8Array(n);
	const pinned = pinnedEnds ? new Float64Array(n) : null;
	for (let k = 0; k < n; k++) {
		const index = items[k];
		laneStarts[k] = starts[index];
		laneEnds[k] = ends[index];
		laneMarks[k] = marks[index];
		if (pinned)
			pinned[k] = pinnedEnds[index] - starts[index];
	}
	return new Lane(laneStarts, laneEnds, new Uint32Array(items), laneMarks, pinned);
}

function indexAllocations(model, report) {
	const records = report.allocations;
	const n = records.length;
	const threadTrack = threadTracks(model, records.threads, records.thread);
	const alloc = {
		count: n,
		starts: new Float64Array(n),
		pinnedEnds: new Float64Array(n),
		ends: new Float64Array(n),
		kinds: new Uint8Array(n),
		states: new Uint8Array(n),
		marks: new Uint8Array(n),
		tracks: new Array(n),
	};
	// The tables' name lists start with KINDS and STATES, so their indexes are the codes.
	const cgo = KINDS.indexOf('cgo');
	for (let i = 0; i < n; i++) {
		const track = threadTrack[records.thread[i]];
		const allocated = records.alloc[i];
		const freed = records.free[i];
		const released = records.release[i];
		const start = Number.isNaN(allocated) ? track.process.begin : allocated;
		const end = Math.max(Number.isNaN(freed) ? track.process.end : freed, start);
		const kind = records.kind[i] < KINDS.length ? records.kind[i] : OTHER_CODE;
		alloc.starts[i] = start;
		alloc.ends[i] = end;
		alloc.kinds[i] = kind;
		alloc.states[i] = records.state[i] < STATES.length ? records.state[i] : OTHER_CODE;
		// A cgo allocation is pinned until its release, or until its end when the release
		// never came (still pinned, or freed while pinned).
		const pinnedEnd = kind !== cgo ? start : Number.isNaN(released) ? end : released;
		alloc.pinnedEnds[i] = Math.min(Math.max(pinnedEnd, start), end);
		alloc.marks[i] = (records.uncertain[i] ? MARK_UNCERTAIN : 0) |
			(model.anomaliesByAllocation.has(records.id[i]) ? MARK_ANOMALY : 0);
		alloc.tracks[i] = track;
		if (end > model.end)
			model.end = end;
	}
	model.allocationById = new IdIndex(records.id);
	model.alloc = alloc;

	groupByTrack(threadTrack, records.thread, alloc.starts, 'allocations');
	for (const track of model.tracks) {
		if (!track.allocations)
			track.allocations = new Uint32Array(0);
	}

	// The time orders serve range selections only, so they are sorted on the first one
	// rather than while the report opens.
	model.byTime = null;
}

// Returns the allocation indexes sorted by alloc, release and free time, sorting them once.
function timeOrders(model) {
	if (!model.byTime) {
		const records = model.report.allocations;
		model.byTime = {
			alloc: sortedTimes(records.alloc),
			release: sortedTimes(records.release),
			free: sortedTimes(records.free),
		};
	}
	return model.byTime;
}

// Returns {order, times}: the indexes of the times in TIMES that are not NaN (null in the
// report), in ascending time, and those times in the same order.
function sortedTimes(times) {
	let present = 0;
	for (let i = 0; i < times.length; i++) {
		if (!Number.isNaN(times[i]))
			present++;
	}
	const indexes = new Uint32Array(present);
	const keys = new Float64Array(present);
	for (let i = 0, k = 0; i < times.length; i++) {
		if (!Number.isNaN(times[i])) {
			indexes[k] = i;
			keys[k++] = times[i];
		}
	}
	const sorted = argsortByKey(keys);
	const order = new Uint32Array(present);
	const sortedKeys = new Float64Array(present);
	for (let k = 0; k < present; k++) {
		order[k] = indexes[sorted[k]];
		sortedKeys[k] = keys[sorted[k]];
	}
	return { order, times: sortedKeys };
}

function indexGcCycles(model, report) {
	const cycles = report.gc_cycles;
	const n = cycles.length;
	const processOfThread = cycles.threads.map(([trace, pid]) => ensureProcess(model, trace, pid));
	const starts = new Float64Array(n);
	const ends = new Float64Array(n);
	const marks = new Uint8Array(n);
	for (let i = 0; i < n; i++) {
		const process = processOfThread[cycles.thread[i]];
		const end = Number.isNaN(cycles.end[i]) ? process.end : cycles.end[i];
		starts[i] = Number.isNaN(cycles.start[i]) ? end : cycles.start[i];
		ends[i] = Math.max(end, starts[i]);
		marks[i] = cycles.uncertain[i] ? MARK_UNCERTAIN : 0;
	}
	model.gc = { count: n, starts, ends, marks };
	const order = argsortByKey(starts);
	for (const index of order)
		processOfThread[cycles.thread[index]].gcCycles.push(index);
	for (const process of model.processes) {
		const { lanes } = packLanes(process.gcCycles, starts, ends, Infinity);
		process.gcLanes = lanes.map((items) => laneOf(items, starts, ends, marks, null));
	}
}

function indexCounters(model, report) {
	for (const counter of report.counters) {
		if (counter.name === 'live_bytes' && counter.m === null) {
			const process = ensureProcess(model, counter.trace, counter.pid);
			if (!process.liveBytes)
				process.liveBytes = new StepSeries(counter.times, counter.values);
		} else if (counter.name === 'pinned_bytes' && counter.m !== null) {
			const track = ensureTrack(model, counter.trace, counter.pid, counter.m, null);
			if (!track.pinnedBytes)
				track.pinnedBytes = new StepSeries(counter.times, counter.values);
		}
	}
}

function indexDiscarded(model, report) {
	for (const window of report.discarded) {
		if (window.begin === null && window.end === null)
			continue;
		const begin = window.begin !== null ? window.begin : window.end;
		const end = window.end !== null ? window.end : window.begin;
		for (const process of model.processes) {
			if (process.trace === window.trace)
				process.discarded.push({ begin, end: Math.max(begin, end), kind: window.kind, count: window.count });
		}
	}
}

function sortTracks(model) {
	model.processes.sort((a, b) => a.trace - b.trace || a.pid - b.pid);
	for (const process of model.processes) {
		process.tracks.sort((a, b) => {
			if ((a.m === null) !== (b.m === null))
				return a.m === null ? 1 : -1;
			return a.m !== null ? a.m - b.m : (a.tid === null ? -1 : a.tid) - (b.tid === null ? -1 : b.tid);
		});
	}
	model.tracks = model.processes.flatMap((process) => process.tracks);
	model.tracks.forEach((track, index) => {
		track.index = index;
	});
}

// Packs the visible allocations of every track into lanes again, after a filter changed, and
// marks in model.alloc.overflowed the allocations that went to their track's overflow row.
export function relayoutAllocations(model) {
	const { starts, ends, pinnedEnds, marks } = model.alloc;
	const overflowed = new Uint8Array(model.alloc.count);
	model.alloc.overflowed = overflowed;
	for (const track of model.tracks) {
		const shown = [];
		for (const index of track.allocations) {
			if (model.visible[index])
				shown.push(index);
		}
		const { lanes, overflow } = packLanes(shown, starts, ends, MAX_ALLOCATION_LANES);
		track.allocLanes = lanes.map((items) => laneOf(items, starts, ends, marks, pinnedEnds));
		track.overflow = overflow.length ? overflowOf(overflow, starts, ends) : null;
		track.shownCount = shown.length;
		for (const index of overflow)
			overflowed[index] = 1;
	}
}

// Returns {items, density}: the overflow allocations and a step series of how many of them are
// live at each time.
function overflowOf(items, starts, ends) {
	const n = items.length;
	const times = new Float64Array(2 * n);
	for (let k = 0; k < n; k++) {
		times[2 * k] = starts[items[k]];
		times[2 * k + 1] = ends[items[k]];
	}
	const order = argsortByKey(times);
	const stepTimes = [];
	const stepValues = [];
	let live = 0;
	for (let k = 0; k < order.length; k++) {
		live += order[k] % 2 === 0 ? 1 : -1;
		const time = times[order[k]];
		if (stepTimes.length && stepTimes[stepTimes.length - 1] === time)
			stepValues[stepValues.length - 1] = live;
		else {
			stepTimes.push(time);
			stepValues.push(live);
		}
	}
	return {
		items: new Uint32Array(items),
		density: new StepSeries(new Float64Array(stepTimes), new Float64Array(stepValues)),
	};
}

// Returns the record indexes of allocations whose FIELD (alloc, release or free) lies in
// [FROM, TO], in ascending time, and how many there are.
export function allocationsBetween(model, field, from, to) {
	const { order, times } = timeOrders(model)[field];
	const first = lowerBound(times, from);
	const end = upperBound(times, to);
	return { first, count: Math.max(0, end - first), order };
}

// Returns the index of the innermost cgocall span on the allocation's M that contains its
// allocation time, or -1.
export function callOfAllocation(model, index) {
	const records = model.report.allocations;
	const calls = model.report.calls;
	const time = records.alloc[index];
	const track = model.alloc.tracks[index];
	if (Number.isNaN(time) || track.m === null)
		return -1;
	const { starts, ends } = model.call;
	const cgocall = calls.kinds.indexOf('cgocall');
	let best = -1;
	for (const { lanes } of track.callDepths) {
		for (const lane of lanes) {
			const k = lane.find(time, 0);
			if (k >= 0) {
				const call = lane.items[k];
				if (calls.kind[call] === cgocall && starts[call] <= time && ends[call] >= time)
					best = call;
			}
		}
	}
	return best;
}

// Returns the index in gc_cycles of the cycle that freed the allocation, or -1.
export function gcCycleOfAllocation(model, index) {
	const records = model.report.allocations;
	const cycle = records.gcCycle[index];
	if (Number.isNaN(cycle))
		return -1;
	const process = model.alloc.tracks[index].process;
	const cycles = model.report.gc_cycles;
	return process.gcCycles.find((k) => cycles.cycle[k] === cycle) ?? -1;
}

// Returns the allocations of TRACK's overflow row that start at or before TO and end after FROM,
// in ascending start: {items, count}, with at most LIMIT items. With FROM equal to TO, these are
// the ones live at that time, as the overflow row's density counts them.
export function overflowBetween(model, track, from, to, limit) {
	const { starts, ends } = model.alloc;
	const items = [];
	let count = 0;
	if (!track.overflow)
		return { items, count };
	for (const index of track.overflow.items) {
		if (starts[index] <= to && ends[index] > from) {
			count++;
			if (items.length < limit)
				items.push(index);
		}
	}
	items.sort((a, b) => starts[a] - starts[b] || a - b);
	return { items, count };
}
