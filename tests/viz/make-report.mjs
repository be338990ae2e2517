// SPDX-License-Identifier: MIT
// Writes synthetic cgomal lifetime reports (docs/report-format.md) for the viewer's tests and
// benchmark: processes with Ms that run nested foreign calls, cgo, managed and malloc lifetimes,
// GC cycles that free what was released, counters, anomalies and a discarded window. The same
// options give the same bytes.
//
// Usage: node make-report.mjs [--allocations N] [--processes N] [--ms N] [--seed N]
//        [--hostile] [--version MAJOR.MINOR] --out FILE

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

// A small deterministic PRNG (mulberry32), so reports are reproducible from a seed.
function makeRandom(seed) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

// Text that would break a page that inserted report strings as HTML or ended the embedded
// <script> element early.
export const HOSTILE_TEXT = '</script><!--<img src=x onerror="window.__cgomalInjected=1"><b>bold</b>';

const GC_EVERY_NS = 400_000;
const GC_PAUSE_NS = 40_000;

// Returns a report object. OPTIONS: allocations (about how many), processes, ms (per process),
// seed, hostile (strings with HTML in them), version.
export function generateReport(options = {}) {
	const target = options.allocations ?? 200;
	const processCount = options.processes ?? 2;
	const msPerProcess = options.ms ?? 2;
	const random = makeRandom(options.seed ?? 1);
	const hostile = Boolean(options.hostile);

	const processes = [];
	const calls = [];
	const allocations = [];
	const gcCycles = [];
	const anomalies = [];
	let nextCallId = 0;
	let nextAllocationId = 0;
	// Enough time for TARGET allocations at about 3 per outer call and a call every ~30 us per M.
	const perM = Math.max(1, Math.ceil(target / (processCount * (msPerProcess + 1))));
	const duration = Math.max(2_000_000, Math.ceil(perM / 3) * 30_000);

	for (let p = 0; p < processCount; p++) {
		const pid = 4000 + p;
		const ms = [];
		const gcStarts = [];
		for (let t = GC_EVERY_NS; t < duration; t += GC_EVERY_NS + Math.floor(random() * 50_000))
			gcStarts.push(t);
		gcStarts.forEach((start, k) => {
			const pause = GC_PAUSE_NS + Math.floor(random() * 20_000);
			gcCycles.push({
				trace: 0, pid, cycle: k + 1, reason: k % 5 === 4 ? 'forced' : 'automatic',
				reason_code: k % 5 === 4 ? 1 : 0, start, end: start + pause, pause_ns: pause,
				live_bytes_before: null, goal_bytes: 4 << 20, marked_objects: null,
				freed_objects: 0, freed_bytes: 0, live_bytes_after: null, uncertain: false,
			});
		});
		const cycles = gcCycles.filter((cycle) => cycle.pid === pid);
		// Returns the first GC cycle that starts at or after TIME, or null.
		const nextCycle = (time) => cycles.find((cycle) => cycle.start >= time) || null;
		const freeIn = (allocation, cycle) => {
			allocation.free = cycle.start + Math.floor((cycle.end - cycle.start) * random());
			allocation.gc_cycle = cycle.cycle;
			allocation.state = 'freed';
			cycle.freed_objects++;
			cycle.freed_bytes += allocation.size;
		};

		for (let m = 1; m <= msPerProcess; m++) {
			const tid = pid + m - 1;
			ms.push({ m, tids: [tid], attach: 1000 * m, detach: null });
			let time = 5_000 + 1000 * m;
			let count = 0;
			while (count < perM && time < duration - 100_000) {
				const entry = time;
				const outer = { id: nextCallId++, trace: 0, pid, m, tid, depth: 0, kind: 'cgocall',
					fn: `0x${(0x401000 + 16 * ((m + count) % 7)).toString(16)}`, entry, exit: null, uncertain: false };
				calls.push(outer);
				const inCall = [];
				let t = entry + 500 + Math.floor(random() * 2000);
				const nested = random() < 0.25;
				const n = 1 + Math.floor(random() * 5);
				for (let k = 0; k < n; k++) {
					inCall.push(makeAllocation('cgo', pid, m, tid, 1, t));
					t += 300 + Math.floor(random() * 3000);
				}
				if (nested) {
					const callback = { id: nextCallId++, trace: 0, pid, m, tid, depth: 1, kind: 'callback',
						fn: '0x402000', entry: t, exit: null, uncertain: false };
					const inner = { id: nextCallId++, trace: 0, pid, m, tid, depth: 2, kind: 'cgocall',
						fn: '0x403000', entry: t + 400, exit: null, uncertain: false };
					calls.push(callback, inner);
					inCall.push(makeAllocation('cgo', pid, m, tid, 2, t + 900));
					inner.exit = t + 2000;
					callback.exit = t + 2500;
					t += 3000;
				}
				outer.exit = t + 200;
				for (const allocation of inCall) {
					allocation.release = outer.exit;
					const cycle = nextCycle(outer.exit);
					if (cycle)
						freeIn(allocation, cycle);
					else
						allocation.state = 'released';
				}
				count += inCall.length;
				// Managed code between calls allocates too.
				time = t + 2000 + Math.floor(random() * 20_000);
				if (random() < 0.3) {
					const managed = makeAllocation('managed', pid, m, tid, 0, t + 1000);
					const cycle = nextCycle(managed.alloc + 10_000);
					if (cycle)
						freeIn(managed, cycle);
					else
						managed.state = 'live_at_end';
					count++;
				}
			}
		}

		// A thread that is no M and calls malloc and free.
		const mallocTid = pid + 100;
		let t = 2_000;
		for (let k = 0; k < perM && t < duration - 10_000; k++) {
			const allocation = makeAllocation('malloc', pid, null, mallocTid, null, t);
			const life = Math.floor(10 ** (2 + random() * 4));
			if (t + life < duration - 5_000) {
				allocation.free = t + life;
				allocation.state = 'freed';
			} else {
				allocation.state = 'live_at_end';
			}
			t += 1000 + Math.floor(random() * 15_000);
		}

		addProcessAnomalies(pid, p, cycles, ms[0], duration);
		processes.push({
			trace: 0, pid, procname: hostile && p === 0 ? HOSTILE_TEXT : `demo-${p}`,
			begin: 0, end: duration, tids: [...ms.map((entry) => entry.tids[0]), mallocTid].sort((a, b) => a - b), ms,
		});
	}

	function makeAllocation(kind, pid, m, tid, depth, alloc) {
		const allocation = {
			id: nextAllocationId++, object_id: kind === 'malloc' ? null : 100000 + nextAllocationId,
			trace: 0, pid, m, tid, kind, addr: `0x${(0x7f0000000000 + 64 * nextAllocationId).toString(16)}`,
			size: 16 << Math.floor(random() * 8), depth, alloc, release: null, free: null,
			gc_cycle: null, state: 'live_at_end', uncertain: false,
		};
		allocations.push(allocation);
		return allocation;
	}

	// Adds to process PID: an allocation freed while its call was still running (the failure
	// the runtime prevents), a call that never returned with a pinned allocation, and the
	// anomalies that name them.
	function addProcessAnomalies(pid, p, cycles, firstM, end) {
		const m = firstM.m;
		const tid = firstM.tids[0];
		const cycle = cycles[Math.min(1, cycles.length - 1)];
		if (cycle) {
			const call = { id: nextCallId++, trace: 0, pid, m, tid, depth: 0, kind: 'cgocall', fn: '0x404000',
				entry: cycle.start - 3000, exit: cycle.end + 5000, uncertain: false };
			calls.push(call);
			const victim = makeAllocation('cgo', pid, m, tid, 1, cycle.start - 2000);
			victim.release = call.exit;
			victim.free = cycle.start + 1000;
			victim.gc_cycle = cycle.cycle;
			victim.state = 'freed';
			anomalies.push({ kind: 'freed_while_pinned', trace: 0, pid, m, tid, time: victim.free,
				allocation: victim.id, call: call.id, addr: victim.addr, uncertain: false,
				message: `GC cycle ${cycle.cycle} freed cgo allocation ${victim.id} (${victim.size} bytes at ${victim.addr}) while foreign call ${call.id} on M${m} was still running` });
		}
		const open = { id: nextCallId++, trace: 0, pid, m, tid, depth: 0, kind: 'cgocall',
			fn: '0x405000', entry: end - 60_000, exit: null, uncertain: false };
		calls.push(open);
		const pinned = makeAllocation('cgo', pid, m, tid, 1, end - 50_000);
		pinned.state = 'pinned';
		anomalies.push({ kind: 'unterminated_call', trace: 0, pid, m, tid, time: end, allocation: null,
			call: open.id, addr: null, uncertain: false,
			message: `process ${pid} ended inside foreign call ${open.id} on M${m}` +
				(hostile && p === 0 ? ` ${HOSTILE_TEXT}` : '') });
	}

	for (const allocation of allocations) {
		if (allocation.state === 'live_at_end') {
			anomalies.push({ kind: 'live_at_end', trace: 0, pid: allocation.pid, m: allocation.m,
				tid: allocation.tid, time: allocation.alloc, allocation: allocation.id, call: null,
				addr: allocation.addr, uncertain: false,
				message: `${allocation.kind} allocation ${allocation.id} (${allocation.size} bytes) was never freed` });
		}
	}

	const end = Math.max(0, ...processes.map((process) => process.end));
	const discarded = [{ trace: 0, stream: 0, kind: 'events', count: 12, begin: Math.floor(end * 0.7), end: Math.floor(end * 0.7) + 20_000 }];
	for (const allocation of allocations) {
		const stop = allocation.free ?? end;
		if (allocation.alloc <= discarded[0].end && stop >= discarded[0].begin)
			allocation.uncertain = true;
	}
	const recordEnd = (allocation) => allocation.free ?? end;
	allocations.sort((a, b) => recordEnd(a) - recordEnd(b) || a.id - b.id);
	calls.sort((a, b) => (a.exit ?? end) - (b.exit ?? end) || a.id - b.id);
	gcCycles.sort((a, b) => a.pid - b.pid || a.cycle - b.cycle);

	return {
		format: 'cgomal-lifetimes',
		version: options.version ?? '1.0',
		time_unit: 'ns',
		origin: '1764877000123456789',
		end,
		generator: { name: 'make-report.mjs', version: '1' },
		traces: [{ id: 0, path: hostile ? `/tmp/${HOSTILE_TEXT}` : '/tmp/synthetic/ust/uid/0/64-bit', name: 'synthetic',
			hostname: 'test', domain: 'ust', streams: 2, events: allocations.length * 3, begin: 0, end }],
		processes,
		gc_cycles: gcCycles,
		calls,
		allocations,
		anomalies,
		discarded,
		counters: makeCounters(allocations, end),
		summary: makeSummary(allocations, gcCycles, anomalies, discarded),
	};
}

function stepSamples(events) {
	events.sort((a, b) => a[0] - b[0]);
	const samples = [];
	let value = 0;
	for (const [time, delta] of events) {
		value += delta;
		if (samples.length && samples[samples.length - 1][0] === time)
			samples[samples.length - 1][1] = value;
		else
			samples.push([time, value]);
	}
	return samples;
}

function makeCounters(allocations, end) {
	const pinned = new Map();
	const live = new Map();
	for (const a of allocations) {
		if (a.alloc === null)
			continue;
		const liveKey = a.pid;
		if (!live.has(liveKey))
			live.set(liveKey, []);
		live.get(liveKey).push([a.alloc, a.size]);
		if (a.free !== null)
			live.get(liveKey).push([a.free, -a.size]);
		if (a.kind === 'cgo') {
			const key = `${a.pid}/${a.m}`;
			if (!pinned.has(key))
				pinned.set(key, []);
			pinned.get(key).push([a.alloc, a.size]);
			const unpinned = Math.min(a.release ?? Infinity, a.free ?? Infinity);
			if (unpinned !== Infinity && unpinned <= end)
				pinned.get(key).push([unpinned, -a.size]);
		}
	}
	const counters = [];
	for (const [key, events] of [...pinned].sort()) {
		const [pid, m] = key.split('/').map(Number);
		counters.push({ trace: 0, pid, m, name: 'pinned_bytes', unit: 'bytes', samples: stepSamples(events) });
	}
	for (const [pid, events] of [...live].sort((a, b) => a[0] - b[0]))
		counters.push({ trace: 0, pid, m: null, name: 'live_bytes', unit: 'bytes', samples: stepSamples(events) });
	return counters;
}

function distribution(values) {
	if (values.length === 0)
		return { count: 0, min: null, p50: null, p90: null, p99: null, max: null, total: null };
	const sorted = Float64Array.from(values).sort();
	const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
	return { count: sorted.length, min: sorted[0], p50: at(0.5), p90: at(0.9), p99: at(0.99),
		max: sorted[sorted.length - 1], total: values.reduce((s, v) => s + v, 0) };
}

function makeSummary(allocations, gcCycles, anomalies, discarded) {
	const states = ['freed', 'released', 'pinned', 'live_at_end'];
	const byKind = {};
	for (const kind of ['cgo', 'managed', 'malloc']) {
		byKind[kind] = { count: 0, bytes: 0, by_state: Object.fromEntries(states.map((s) => [s, { count: 0, bytes: 0 }])) };
	}
	let bytes = 0;
	for (const a of allocations) {
		byKind[a.kind].count++;
		byKind[a.kind].bytes += a.size;
		byKind[a.kind].by_state[a.state].count++;
		byKind[a.kind].by_state[a.state].bytes += a.size;
		bytes += a.size;
	}
	const anomalyCounts = Object.fromEntries(['freed_while_pinned', 'free_without_alloc',
		'unterminated_call', 'live_at_end', 'unmatched_exit'].map((kind) => [kind, 0]));
	for (const anomaly of anomalies)
		anomalyCounts[anomaly.kind]++;
	return {
		events: { total: allocations.length * 3, used: allocations.length * 3, other: 0, by_name: {} },
		allocations: { count: allocations.length, bytes, by_kind: byKind },
		lifetime_ns: distribution(allocations.filter((a) => a.free !== null).map((a) => a.free - a.alloc)),
		pinned_ns: distribution(allocations.filter((a) => a.kind === 'cgo' && (a.release ?? a.free) !== null)
			.map((a) => Math.min(a.release ?? Infinity, a.free ?? Infinity) - a.alloc)),
		peak_pinned_bytes: [],
		gc: { cycles: gcCycles.length, pause_ns: distribution(gcCycles.map((c) => c.pause_ns)) },
		anomalies: anomalyCounts,
		discarded: { events: discarded.reduce((s, d) => s + d.count, 0), packets: 0, windows: discarded.length },
		uncertain_allocations: allocations.filter((a) => a.uncertain).length,
	};
}

// Writes REPORT to PATH as JSON, one record per line in the big arrays, without building one
// string of the whole report (a report of a million allocations is about 300 MB).
export async function writeReport(report, path) {
	const out = createWriteStream(path);
	const write = async (text) => {
		if (!out.write(text))
			await once(out, 'drain');
	};
	const keys = Object.keys(report);
	await write('{');
	for (let k = 0; k < keys.length; k++) {
		const key = keys[k];
		const value = report[key];
		await write(`${k ? ',' : ''}\n${JSON.stringify(key)}: `);
		if (Array.isArray(value) && value.length > 100) {
			await write('[');
			for (let i = 0; i < value.length; i += 1000) {
				const chunk = value.slice(i, i + 1000).map((record) => JSON.stringify(record)).join(',\n');
				await write(`${i ? ',\n' : '\n'}${chunk}`);
			}
			await write('\n]');
		} else {
			await write(JSON.stringify(value));
		}
	}
	await write('\n}\n');
	out.end();
	await once(out, 'finish');
}

function parseArguments(argv) {
	const options = {};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		const next = () => {
			if (i + 1 >= argv.length)
				throw new Error(`${arg} needs a value`);
			return argv[++i];
		};
		if (arg === '--allocations' || arg === '--processes' || arg === '--ms' || arg === '--seed') {
			const value = Number(next());
			if (!Number.isSafeInteger(value) || value < 0)
				throw new Error(`${arg} takes an integer >= 0`);
			options[arg.slice(2)] = value;
		} else if (arg === '--version') {
			options.version = next();
		} else if (arg === '--hostile') {
			options.hostile = true;
		} else if (arg === '--out') {
			options.out = next();
		} else {
			throw new Error(`unknown option ${arg}`);
		}
	}
	if (!options.out)
		throw new Error('--out FILE is missing');
	return options;
}

if (import.meta.url === `file://${process.argv[1]}`) {
	let options;
	try {
		options = parseArguments(process.argv.slice(2));
	} catch (err) {
		console.error(`make-report.mjs: ${err.message}\nusage: node make-report.mjs [--allocations N] ` +
			'[--processes N] [--ms N] [--seed N] [--hostile] [--version MAJOR.MINOR] --out FILE');
		process.exit(2);
	}
	const report = generateReport(options);
	await writeReport(report, options.out);
	console.log(`${options.out}: ${report.allocations.length} allocations, ${report.calls.length} calls, ` +
		`${report.gc_cycles.length} GC cycles, ${report.anomalies.length} anomalies`);
}
