// SPDX-License-Identifier: MIT
// Load stage (load → index → render): checks that parsed JSON is a cgomal lifetime report of a
// major version this viewer reads, with the fields the later stages use, before anything is
// drawn. docs/report-format.md describes the format, and columns.js reads its columnar form.

export const REPORT_FORMAT = 'cgomal-lifetimes';
export const SUPPORTED_MAJOR = 1;

// A report that the viewer cannot show; the message names the source, the value and what to do.
export class ReportError extends Error {
	constructor(message) {
		super(message);
		this.name = 'ReportError';
	}
}

function describe(value) {
	if (value === undefined)
		return 'missing';
	const text = JSON.stringify(value);
	return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

// Throws a ReportError saying that FIELD of SOURCE is VALUE where EXPECTED was expected.
export function rejectField(source, field, value, expected) {
	throw new ReportError(`${source}: ${field} is ${describe(value)}, expected ${expected}. ` +
		'The file is damaged or was not written by cgomal report; write the report again.');
}

function isTime(value) {
	return Number.isSafeInteger(value) && value >= 0;
}

function isTimeOrNull(value) {
	return value === null || isTime(value);
}

function isIdOrNull(value) {
	return value === null || (Number.isSafeInteger(value) && value >= 0);
}

// Field checks per record array: [field, predicate, what the predicate expects].
const TIME = [isTime, 'an integer number of nanoseconds >= 0'];
const TIME_OR_NULL = [isTimeOrNull, 'an integer number of nanoseconds >= 0, or null'];
const ID = [(v) => Number.isSafeInteger(v) && v >= 0, 'an integer >= 0'];
const ID_OR_NULL = [isIdOrNull, 'an integer >= 0, or null'];
const ANY_INTEGER = [Number.isSafeInteger, 'an integer'];
const STRING = [(v) => typeof v === 'string', 'a string'];
const STRING_OR_NULL = [(v) => v === null || typeof v === 'string', 'a string or null'];
const BOOLEAN = [(v) => typeof v === 'boolean', 'true or false'];
const ARRAY = [Array.isArray, 'an array'];

const RECORD_FIELDS = {
	processes: { trace: ID, pid: ID, procname: STRING_OR_NULL, begin: TIME, end: TIME, ms: ARRAY },
	gc_cycles: {
		trace: ID, pid: ID, cycle: ID, reason: STRING, reason_code: ANY_INTEGER, start: TIME_OR_NULL,
		end: TIME_OR_NULL, pause_ns: ID_OR_NULL, live_bytes_before: ID_OR_NULL, goal_bytes: ID_OR_NULL,
		marked_objects: ID_OR_NULL, freed_objects: ID_OR_NULL, freed_bytes: ID_OR_NULL,
		live_bytes_after: ID_OR_NULL, uncertain: BOOLEAN,
	},
	calls: {
		id: ID, trace: ID, pid: ID, m: ID, tid: ID_OR_NULL, depth: ID, kind: STRING, fn: STRING_OR_NULL,
		entry: TIME_OR_NULL, exit: TIME_OR_NULL, uncertain: BOOLEAN,
	},
	allocations: {
		id: ID, object_id: ID_OR_NULL, trace: ID, pid: ID, m: ID_OR_NULL, tid: ID_OR_NULL, kind: STRING, addr: STRING,
		size: ID, depth: ID_OR_NULL, alloc: TIME_OR_NULL, release: TIME_OR_NULL,
		free: TIME_OR_NULL, gc_cycle: ID_OR_NULL, state: STRING, uncertain: BOOLEAN,
	},
	anomalies: {
		kind: STRING, trace: ID, pid: ID, m: ID_OR_NULL, tid: ID_OR_NULL, time: TIME_OR_NULL,
		allocation: ID_OR_NULL, call: ID_OR_NULL, addr: STRING_OR_NULL, uncertain: BOOLEAN, message: STRING,
	},
	discarded: { trace: ID, kind: STRING, count: ID_OR_NULL, begin: TIME_OR_NULL, end: TIME_OR_NULL },
	counters: { trace: ID, pid: ID, m: ID_OR_NULL, name: STRING, samples: ARRAY },
};

// Returns whether every field of allocation RECORD that the viewer reads is well typed. It reads
// each field by name, because a generic loop over names runs several times slower on a million
// records. When it returns false, checkRecords finds and names the bad field.
function isAllocationValid(record) {
	return record !== null && typeof record === 'object' &&
		isIdOrNull(record.object_id) && isIdOrNull(record.m) && isIdOrNull(record.tid) && isIdOrNull(record.depth) &&
		isTimeOrNull(record.alloc) && isTimeOrNull(record.release) && isTimeOrNull(record.free) &&
		isIdOrNull(record.gc_cycle) && ID[0](record.id) && ID[0](record.trace) && ID[0](record.pid) &&
		ID[0](record.size) && typeof record.kind === 'string' && typeof record.addr === 'string' &&
		typeof record.state === 'string' && typeof record.uncertain === 'boolean' &&
		!Array.isArray(record);
}

// Returns whether every field of call RECORD that the viewer reads is well typed, like
// isAllocationValid.
function isCallValid(record) {
	return record !== null && typeof record === 'object' &&
		ID[0](record.id) && ID[0](record.trace) && ID[0](record.pid) && ID[0](record.m) &&
		isIdOrNull(record.tid) && ID[0](record.depth) && typeof record.kind === 'string' &&
		(record.fn === null || typeof record.fn === 'string') && isTimeOrNull(record.entry) &&
		isTimeOrNull(record.exit) && typeof record.uncertain === 'boolean' && !Array.isArray(record);
}

// Record arrays with a specialized check of their records, tried before the generic loop.
const FAST_CHECKS = { allocations: isAllocationValid, calls: isCallValid };

function checkRecords(report, source, name, fields) {
	const records = report[name];
	if (!Array.isArray(records))
		rejectField(source, name, records, 'an array');
	const isValid = FAST_CHECKS[name];
	if (isValid && records.every(isValid))
		return;
	// Plain arrays and index loops: this runs for every field of a million records.
	const names = Object.keys(fields);
	const checks = names.map((field) => fields[field][0]);
	for (let i = 0; i < records.length; i++) {
		const record = records[i];
		if (record === null || typeof record !== 'object' || Array.isArray(record))
			rejectField(source, `${name}[${i}]`, record, 'an object');
		for (let f = 0; f < names.length; f++) {
			const value = record[names[f]];
			if (!checks[f](value))
				rejectField(source, `${name}[${i}].${names[f]}`, value, fields[names[f]][1]);
		}
	}
}

function checkCounterSamples(report, source) {
	report.counters.forEach((counter, i) => {
		let previous = -1;
		counter.samples.forEach((sample, k) => {
			const field = `counters[${i}].samples[${k}]`;
			if (!Array.isArray(sample) || sample.length < 2 || !isTime(sample[0]) ||
			    !Number.isSafeInteger(sample[1]))
				rejectField(source, field, sample, 'a pair [time, integer value]');
			if (sample[0] < previous)
				rejectField(source, field, sample, `a time >= ${previous}, samples ascend in time`);
			previous = sample[0];
		});
	});
}

// Checks the fields that both forms of a report share at the top level: format, version,
// time unit, origin and end. Throws a ReportError naming the first problem.
export function checkHeader(report, source) {
	if (report === null || typeof report !== 'object' || Array.isArray(report))
		throw new ReportError(`${source} is JSON but not a cgomal lifetime report: it contains ` +
			`${Array.isArray(report) ? 'an array' : describe(report)} instead of an object.`);
	if (report.format !== REPORT_FORMAT) {
		const hint = Array.isArray(report.traceEvents)
			? 'It looks like the Chrome trace of cgomal report --chrome: open the report that -o writes, or the --html page.'
			: 'Open the JSON that cgomal report -o writes, or the page that --html writes.';
		throw new ReportError(`${source} is not a cgomal lifetime report: its "format" is ` +
			`${describe(report.format)}, expected "${REPORT_FORMAT}". ${hint}`);
	}

	const version = /^([0-9]+)\.([0-9]+)$/.exec(typeof report.version === 'string' ? report.version : '');
	if (!version)
		rejectField(source, 'version', report.version, 'a string "MAJOR.MINOR"');
	if (Number(version[1]) !== SUPPORTED_MAJOR)
		throw new ReportError(`${source} has report format version ${report.version}, but this ` +
			`viewer reads version ${SUPPORTED_MAJOR}.x only. Open it with the viewer of a cgomal ` +
			`release that writes version ${version[1]} (cgomal report --html embeds it).`);

	if (report.time_unit !== 'ns')
		rejectField(source, 'time_unit', report.time_unit, '"ns"');
	if (typeof report.origin !== 'string' || !/^-?[0-9]+$/.test(report.origin))
		rejectField(source, 'origin', report.origin, 'a decimal string of nanoseconds');
	if (!isTime(report.end))
		rejectField(source, 'end', report.end, TIME[1]);
}

// Checks the record arrays that both forms of a report share: processes and discarded windows.
export function checkRecordSections(report, source) {
	for (const name of ['processes', 'discarded'])
		checkRecords(report, source, name, RECORD_FIELDS[name]);
}

// Checks that REPORT (parsed JSON from SOURCE) is a plain cgomal lifetime report of a supported
// major version with well-typed fields, and throws a ReportError naming the first problem.
// Unknown fields and unknown enum values pass, because minor versions add them.
export function checkReport(report, source) {
	checkHeader(report, source);
	for (const [name, fields] of Object.entries(RECORD_FIELDS))
		checkRecords(report, source, name, fields);
	checkCounterSamples(report, source);
}
