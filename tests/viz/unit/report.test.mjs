// SPDX-License-Identifier: MIT
// Unit tests of viz/report.js: what the viewer accepts and the messages of what it rejects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkReport, ReportError } from '../../../viz/report.js';
import { parseReport } from '../../../viz/columns.js';
import { generateReport } from '../make-report.mjs';

function rejects(report, pattern) {
	assert.throws(() => checkReport(report, 'r.json'), (err) => {
		assert.ok(err instanceof ReportError, `not a ReportError: ${err}`);
		assert.match(err.message, pattern);
		return true;
	});
}

test('generated report is accepted', () => {
	const report = generateReport({ allocations: 300 });
	checkReport(report, 'r.json');
	const parsed = parseReport(JSON.stringify(report), 'r.json');
	assert.equal(parsed.allocations.length, report.allocations.length);
});

test('minor version and unknown fields pass', () => {
	const report = generateReport({ allocations: 50, version: '1.7' });
	report.future_section = { anything: true };
	report.allocations[0].new_field = 'x';
	report.allocations[1].kind = 'arena';
	report.allocations[2].state = 'quarantined';
	checkReport(report, 'r.json');
});

test('unknown major version is rejected', () => {
	rejects(generateReport({ allocations: 10, version: '2.0' }), /r\.json has report format version 2\.0, but this viewer reads version 1\.x only/);
	rejects(generateReport({ allocations: 10, version: '0.9' }), /version 0\.9/);
});

// Checks that RUN throws a ReportError whose message matches PATTERN.
function throwsMessage(run, pattern, note) {
	assert.throws(run, (err) => err instanceof ReportError && pattern.test(err.message), note);
}

test('malformed JSON names the file', () => {
	assert.throws(() => parseReport('{"format": x}', 'broken.json'), (err) => err instanceof ReportError &&
		/^broken\.json is not valid JSON \(.+\)\. Open a report that cgomal report wrote/.test(err.message));
	throwsMessage(() => parseReport('', 'empty.json'), /^empty\.json is empty\. Open a report/);
	throwsMessage(() => parseReport(' \n', 'blank.json'), /^blank\.json is empty\./);
});

test('cut-off JSON says so', () => {
	const text = JSON.stringify(generateReport({ allocations: 30 }));
	for (const end of [10, Math.floor(text.length / 2), text.length - 1]) {
		throwsMessage(() => parseReport(text.slice(0, end), 'cut.json'),
			/^cut\.json ends in the middle of the report \(.+\): the file was cut off/, `cut at ${end}`);
	}
});

test('HTML page names the way to open it', () => {
	throwsMessage(() => parseReport('<!DOCTYPE html><html>', 'report.html'),
		/^report\.html is an HTML page, not a report JSON\. Open the page itself in the browser/);
});

test('other JSON is rejected', () => {
	rejects([], /contains an array instead of an object/);
	rejects(null, /not a cgomal lifetime report/);
	rejects({ traceEvents: [] }, /its "format" is missing, expected "cgomal-lifetimes"\. It looks like the Chrome trace of cgomal report --chrome/);
	rejects({}, /its "format" is missing, expected "cgomal-lifetimes"\. Open the JSON that cgomal report -o writes/);
	rejects({ format: 'cgomal-lifetimes', version: 1 }, /version is 1, expected a string "MAJOR\.MINOR"/);
});

test('bad fields are named', () => {
	const cases = [
		[(r) => { r.origin = 12; }, /origin is 12, expected a decimal string/],
		[(r) => { r.time_unit = 'us'; }, /time_unit is "us", expected "ns"/],
		[(r) => { r.end = -1; }, /end is -1/],
		[(r) => { delete r.allocations; }, /allocations is missing, expected an array/],
		[(r) => { r.allocations[3].alloc = '12'; }, /allocations\[3\]\.alloc is "12", expected an integer number of nanoseconds >= 0, or null/],
		[(r) => { r.allocations[0].size = 1.5; }, /allocations\[0\]\.size is 1\.5/],
		[(r) => { r.allocations[1] = 7; }, /allocations\[1\] is 7, expected an object/],
		[(r) => { r.calls[0].m = null; }, /calls\[0\]\.m is null/],
		[(r) => { r.gc_cycles[0].start = 2 ** 60; }, /gc_cycles\[0\]\.start is 1152921504606847000/],
		[(r) => { r.anomalies[0].message = null; }, /anomalies\[0\]\.message is null, expected a string/],
		[(r) => { r.counters[0].samples[1] = [5]; }, /counters\[0\]\.samples\[1\] is \[5\], expected a pair/],
		[(r) => { r.counters[0].samples.push([0, 1]); }, /samples ascend in time/],
		[(r) => { r.processes[0].ms = {}; }, /processes\[0\]\.ms is \{\}, expected an array/],
	];
	for (const [damage, pattern] of cases) {
		const report = generateReport({ allocations: 40 });
		damage(report);
		rejects(report, pattern);
	}
});

test('long values are shortened', () => {
	const report = generateReport({ allocations: 20 });
	report.allocations[0].addr = 5;
	report.allocations[0].kind = 'x'.repeat(500);
	report.allocations[0].addr = 'fine';
	report.allocations[0].size = 'y'.repeat(500);
	assert.throws(() => checkReport(report, 'r.json'), (err) => err.message.length < 300 && err.message.includes('…'));
});
