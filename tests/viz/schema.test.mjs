// SPDX-License-Identifier: MIT
// Checks that the reports the viewer tests generate follow tools/report-schema.json, so the
// viewer is tested on the shape that `cgomal report` writes, and that generation is repeatable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateReport, writeReport } from './make-report.mjs';
import { loadSchemaValidator } from './e2e/support.mjs';

const validate = loadSchemaValidator();

function assertValid(report, what) {
	const valid = validate(report);
	assert.ok(valid, `${what}: ${JSON.stringify(validate.errors && validate.errors.slice(0, 3))}`);
}

test('generated reports follow the schema', () => {
	const variants = [
		{ allocations: 10, processes: 1, ms: 1 },
		{ allocations: 2000, processes: 3, ms: 2, seed: 5 },
		{ allocations: 300, hostile: true },
		{ allocations: 300, version: '1.4' },
	];
	for (const options of variants)
		assertValid(generateReport(options), JSON.stringify(options));
});

test('schema rejects a damaged report', () => {
	const report = generateReport({ allocations: 20 });
	report.allocations[0].addr = 'not hex';
	assert.equal(validate(report), false);
	const wrongMajor = generateReport({ allocations: 20, version: '2.0' });
	assert.equal(validate(wrongMajor), false);
});

test('written file is the same each time', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'cgomal-viz-'));
	try {
		const a = join(dir, 'a.json');
		const b = join(dir, 'b.json');
		await writeReport(generateReport({ allocations: 1500, seed: 3 }), a);
		await writeReport(generateReport({ allocations: 1500, seed: 3 }), b);
		const text = readFileSync(a, 'utf8');
		assert.equal(text, readFileSync(b, 'utf8'));
		assertValid(JSON.parse(text), 'written file');
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});
