// SPDX-License-Identifier: MIT
// Shared setup of the viewer's browser tests and benchmark: Debian's chromium through
// playwright-core with a fresh profile, report pages built with the viewer's own C library
// (or `cgomal report --html`), and the artifact folder for screenshots.

import { mkdtempSync, mkdirSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { generateReport, writeReport } from '../make-report.mjs';
import { encodeColumns } from '../../../viz/columns.js';

const require = createRequire(import.meta.url);

export const CHROMIUM = '/usr/bin/chromium';
// Flags for a closed network: without the background-networking ones chromium keeps trying
// to reach Google's hosts and logs refused connections.
const CHROMIUM_FLAGS = [
	'--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync',
];

function requireInstalled(name) {
	try {
		return require(name);
	} catch (err) {
		throw new Error(`${name} is not installed in tests/viz/node_modules (${err.code}); ` +
			'run `npm ci` in tests/viz, as scripts/test.sh does');
	}
}

// Returns the environment variable NAME, or throws naming it: CTest sets these.
export function requireEnv(name) {
	const value = process.env[name];
	if (!value)
		throw new Error(`${name} is not set; run this test through ctest (label viz) in a configured build directory`);
	return value;
}

export function loadSchemaValidator() {
	const Ajv2020 = requireInstalled('ajv/dist/2020.js');
	const schemaPath = requireEnv('CGOMAL_REPORT_SCHEMA');
	const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
	const ajv = new Ajv2020({ strict: false, allErrors: false });
	return ajv.compile(schema);
}

// Returns the artifact folder (created), where screenshots are kept for people to look at.
export function artifactDir() {
	const dir = requireEnv('CGOMAL_VIZ_ARTIFACTS');
	mkdirSync(dir, { recursive: true });
	return dir;
}

// Starts chromium with a fresh profile folder; returns {context, close}.
export async function launchBrowser(viewport = { width: 1400, height: 900 }) {
	const { chromium } = requireInstalled('playwright-core');
	const profile = mkdtempSync(join(tmpdir(), 'cgomal-viz-profile-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		args: CHROMIUM_FLAGS,
		viewport,
	});
	return {
		context,
		close: async () => {
			await context.close();
			rmSync(profile, { recursive: true, force: true });
		},
	};
}

// A folder for the files of one test run, removed by the returned cleanup function.
export function scratchDir() {
	const dir = mkdtempSync(join(tmpdir(), 'cgomal-viz-'));
	return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

// Wraps the report JSON at JSON_PATH into a viewer page at HTML_PATH with the test helper that
// links the viewer's C library, as `cgomal report --html` does.
export function wrapHtml(jsonPath, htmlPath) {
	execFileSync(requireEnv('CGOMAL_VIZ_WRAP_HTML'), [jsonPath, htmlPath], { stdio: ['ignore', 'inherit', 'inherit'] });
	return htmlPath;
}

// Generates a report with OPTIONS (see make-report.mjs) into DIR and returns {report, json, html}:
// the plain report in JSON, and a page that embeds its columnar form, as `cgomal report --html`
// writes it.
export async function makeReportPage(dir, name, options) {
	const report = generateReport(options);
	const json = join(dir, `${name}.json`);
	const columns = join(dir, `${name}.columns.json`);
	await writeReport(report, json);
	writeFileSync(columns, JSON.stringify(encodeColumns(report)));
	return { report, json, html: wrapHtml(columns, join(dir, `${name}.html`)) };
}

// Opens URL in a new page and waits until the viewer finished loading (ready, error or empty).
// Returns {page, errors}: errors collects uncaught page errors, which tests expect to be empty.
export async function openViewer(context, url, timeoutMs = 30000) {
	const page = await context.newPage();
	const errors = [];
	page.on('pageerror', (err) => errors.push(err.message));
	await page.goto(url);
	await page.waitForFunction(() => window.cgomalViewer && window.cgomalViewer.status !== 'loading',
		null, { timeout: timeoutMs });
	return { page, errors };
}

export function fileUrl(path) {
	return `file://${path}`;
}
