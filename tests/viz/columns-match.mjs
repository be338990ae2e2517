// SPDX-License-Identifier: MIT
// Checks that the columnar form that `cgomal report --html` wrote equals the viewer's own
// conversion (viz/columns.js) of the plain report of the same run, so that the C writer and the
// viewer agree on every column.
//
// Usage: node columns-match.mjs REPORT.json COLUMNS
// COLUMNS is a columnar JSON file or a viewer page that embeds one. Exits 0 when the two are
// equal, 1 naming the first difference, 2 on a missing or unreadable file.

import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { encodeColumns } from '../../viz/columns.js';

const SLOT_OPEN = '<script type="application/json" id="cgomal-report">';
const SLOT_CLOSE = '</script>';

// Returns the JSON text that the viewer page TEXT embeds, or null when TEXT is no viewer page.
export function embeddedJson(text) {
	const start = text.indexOf(SLOT_OPEN);
	if (start < 0)
		return null;
	const end = text.indexOf(SLOT_CLOSE, start + SLOT_OPEN.length);
	return end < 0 ? null : text.slice(start + SLOT_OPEN.length, end);
}

// Returns the path of the first difference between EXPECTED and ACTUAL, or null when they are
// equal as JSON values.
export function firstDifference(expected, actual, path = '$') {
	if (Object.is(expected, actual))
		return null;
	if (typeof expected !== 'object' || typeof actual !== 'object' || expected === null || actual === null ||
	    Array.isArray(expected) !== Array.isArray(actual))
		return `${path}: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`;
	if (Array.isArray(expected)) {
		for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
			if (i >= expected.length || i >= actual.length)
				return `${path}: expected ${expected.length} values, found ${actual.length}`;
			const difference = firstDifference(expected[i], actual[i], `${path}[${i}]`);
			if (difference)
				return difference;
		}
		return null;
	}
	const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
	for (const key of [...keys].sort()) {
		if (!(key in actual))
			return `${path}.${key}: missing`;
		if (!(key in expected))
			return `${path}.${key}: not expected, found ${JSON.stringify(actual[key]).slice(0, 80)}`;
		const difference = firstDifference(expected[key], actual[key], `${path}.${key}`);
		if (difference)
			return difference;
	}
	return null;
}

function readText(path) {
	try {
		return readFileSync(path, 'utf8');
	} catch (err) {
		console.error(`columns-match: cannot read ${path}: ${err.message}`);
		process.exit(2);
	}
}

function parse(text, path) {
	try {
		return JSON.parse(text);
	} catch (err) {
		console.error(`columns-match: ${path} is not valid JSON: ${err.message}`);
		process.exit(1);
	}
}

function main(argv) {
	if (argv.length !== 2) {
		console.error('usage: node columns-match.mjs REPORT.json COLUMNS.json|PAGE.html');
		process.exit(2);
	}
	const [reportPath, columnsPath] = argv;
	const report = parse(readText(reportPath), reportPath);
	const columnsText = readText(columnsPath);
	const embedded = embeddedJson(columnsText);
	const columns = parse(embedded === null ? columnsText : embedded, columnsPath);
	if (columns.layout !== 'columns') {
		console.error(`columns-match: ${columnsPath} is not in the columnar form ("layout" is ${JSON.stringify(columns.layout)})`);
		process.exit(1);
	}
	const difference = firstDifference(encodeColumns(report), columns);
	if (difference) {
		console.error(`columns-match: ${columnsPath} differs from the columnar form of ${reportPath} at ${difference}`);
		process.exit(1);
	}
	const counts = `${columns.allocations.count} allocations, ${columns.calls.count} calls`;
	console.log(`columns-match: ${columnsPath} matches ${reportPath} (${counts})`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href)
	main(process.argv.slice(2));
