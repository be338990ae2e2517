// SPDX-License-Identifier: MIT
// Browser benchmark of the timeline viewer. It opens a generated report of about a million
// allocations in Debian's chromium, embedded in its columnar form as `cgomal report --html`
// embeds it, and measures how long opening takes (HTML parse, JSON parse, decoding, indexing,
// first frame) and how long frames take while zooming and panning. --plain embeds the plain
// report instead, as earlier versions did. --page measures an existing viewer page, such as
// the report.html of `cgomal record`, instead of a generated report. --markdown ends the output
// with one row for each of the two tables on docs/benchmarks.md.
//
// Usage: node bench/viz/run.mjs --build BUILD_DIR [--allocations N | --page FILE] [--runs N]
//        [--plain] [--markdown LABEL]
// Needs tests/viz/node_modules (npm ci in tests/viz) and a build of the target viz_wrap_html.

import { existsSync, statSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { tmpdir, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const top = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function parseArguments(argv) {
	const options = { build: null, allocations: 1_000_000, runs: 3, plain: false, page: null, markdown: null };
	for (let i = 0; i < argv.length; i++) {
		const value = argv[i + 1];
		if (argv[i] === '--plain') {
			options.plain = true;
		} else if ((argv[i] === '--page' || argv[i] === '--markdown') && value) {
			options[argv[i].slice(2)] = argv[i] === '--page' ? resolve(value) : value;
			i++;
		} else if (argv[i] === '--build' && value) {
			options.build = resolve(value);
			i++;
		} else if ((argv[i] === '--allocations' || argv[i] === '--runs') && value && /^[0-9]+$/.test(value)) {
			options[argv[i].slice(2)] = Number(value);
			i++;
		} else {
			throw new Error(`invalid argument ${argv[i]}`);
		}
	}
	if (!options.build)
		throw new Error('--build DIR is missing (a configured build directory with viz_wrap_html built)');
	return options;
}

function percentile(values, q) {
	if (values.length === 0)
		return NaN;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function describe(values) {
	return { median: percentile(values, 0.5), p95: percentile(values, 0.95), max: Math.max(...values), frames: values.length };
}

// Opens the page once and returns the load timings and the frame times of a scripted session.
async function measureOnce(context, url) {
	const page = await context.newPage();
	const errors = [];
	page.on('pageerror', (err) => errors.push(err.message));
	const begin = Date.now();
	await page.goto(url, { timeout: 120_000 });
	await page.waitForFunction(() => window.cgomalViewer && ['ready', 'error'].includes(window.cgomalViewer.status),
		null, { timeout: 120_000, polling: 50 });
	const wallMs = Date.now() - begin;
	const status = await page.evaluate(() => window.cgomalViewer.status);
	if (status !== 'ready')
		throw new Error(`the viewer did not open the report: ${await page.evaluate(() => window.cgomalViewer.error)}`);
	const timings = await page.evaluate(() => window.cgomalViewer.timings);
	const form = await page.evaluate(() => window.cgomalViewer.form);
	const counts = await page.evaluate(() => window.cgomalViewer.counts());
	const heapMb = await page.evaluate(() => (performance.memory ? performance.memory.usedJSHeapSize / 2 ** 20 : null));

	// The session drives the viewer through its real key handlers, one frame per step, and
	// reads the time each frame took to draw. It zooms in 40 steps around the middle of the
	// timeline, pans 40 steps at that depth, and zooms back out in 40 steps.
	const session = await page.evaluate(async () => {
		const viewer = window.cgomalViewer;
		const canvas = document.getElementById('canvas');
		const rect = canvas.getBoundingClientRect();
		canvas.dispatchEvent(new PointerEvent('pointermove', { clientX: rect.left + rect.width * 0.55, clientY: rect.top + 300, bubbles: true }));
		const frame = () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
		const press = async (key, times) => {
			const durations = [];
			for (let i = 0; i < times; i++) {
				const before = viewer.frames;
				document.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
				await frame();
				if (viewer.frames > before)
					durations.push(viewer.frameTimes.at(-1));
			}
			return durations;
		};
		await press('0', 1);
		const fitAll = [];
		for (let i = 0; i < 10; i++)
			fitAll.push(viewer.renderNow());
		const zoomIn = await press('w', 40);
		const span = viewer.view.nsPerPx * viewer.view.width;
		const pan = await press('d', 40);
		const zoomOut = await press('s', 40);
		return { fitAll, zoomIn, pan, zoomOut, deepSpanNs: span, lastFrame: viewer.lastFrame };
	});
	await page.close();
	if (errors.length)
		throw new Error(`page errors: ${errors.join('; ')}`);
	return { wallMs, timings, form, counts, heapMb, session };
}

// Prints LABEL's row of the open table and of the frame table, in the columns of docs/benchmarks.md.
function printMarkdown(label, summary) {
	const seconds = (ms) => (ms / 1000).toFixed(2);
	const frame = ({ median, p95 }) => `${median.toFixed(1)} / ${p95.toFixed(1)}`;
	const records = `${summary.allocations.toLocaleString('en-US')} allocations, ${summary.calls.toLocaleString('en-US')} calls`;
	console.log(`| ${label}: ${records} | ${summary.form} | ${summary.pageMiB} MiB | ${seconds(summary.openMs.median)} s | ` +
		`${seconds(summary.parseMs)} s | ${seconds(summary.decodeMs)} s | ${seconds(summary.indexMs)} s | ` +
		`${seconds(summary.firstFrameMs)} s | ${Math.round(summary.heapMiB)} MiB |`);
	const f = summary.frameMs;
	console.log(`| ${label}: ${records} | ${frame(f.fitAll)} | ${frame(f.zoomIn)} | ${frame(f.pan)} | ${frame(f.zoomOut)} |`);
}

async function main() {
	const options = parseArguments(process.argv.slice(2));
	const wrap = join(options.build, 'tests/viz/viz_wrap_html');
	if (!existsSync(wrap))
		throw new Error(`${wrap} not found: build it with cmake --build ${options.build} --target viz_wrap_html`);
	process.env.CGOMAL_VIZ_WRAP_HTML = wrap;
	const { launchBrowser } = await import(join(top, 'tests/viz/e2e/support.mjs'));
	const { generateReport, writeReport } = await import(join(top, 'tests/viz/make-report.mjs'));
	const { encodeColumns } = await import(join(top, 'viz/columns.js'));

	const scratch = mkdtempSync(join(tmpdir(), 'cgomal-viz-bench-'));
	const browser = await launchBrowser({ width: 1600, height: 1000 });
	try {
		let html = options.page;
		let pageLabel;
		if (html) {
			if (!existsSync(html))
				throw new Error(`${html} not found: write it with cgomal report --html or cgomal record`);
			pageLabel = `page ${html}`;
		} else {
			const json = join(scratch, 'report.json');
			html = join(scratch, 'report.html');
			const report = generateReport({ allocations: options.allocations, processes: 2, ms: 4, seed: 1 });
			if (options.plain)
				await writeReport(report, json);
			else
				writeFileSync(json, JSON.stringify(encodeColumns(report)));
			execFileSync(wrap, [json, html]);
			pageLabel = `generated ${options.plain ? 'plain' : 'columnar'} page`;
		}
		const sizeMb = statSync(html).size / 2 ** 20;
		const runs = [];
		for (let run = 0; run < options.runs; run++) {
			const result = await measureOnce(browser.context, `file://${html}`);
			runs.push(result);
			if (run === 0) {
				const { counts } = result;
				console.log(`${pageLabel}: ${counts.allocations} allocations, ${counts.calls} calls, ${counts.gcCycles} GC cycles, ` +
					`${counts.anomalies} anomalies, ${sizeMb.toFixed(0)} MiB`);
			}
			const t = result.timings;
			console.log(`run ${run + 1}: open ${result.wallMs} ms (JSON.parse ${t.parseMs.toFixed(0)} ms, decode ${t.decodeMs.toFixed(0)} ms, index ${t.indexMs.toFixed(0)} ms, ` +
				`first frame ${t.firstRenderMs.toFixed(0)} ms), heap ${result.heapMb === null ? '?' : result.heapMb.toFixed(0)} MiB`);
		}
		const all = (phase) => runs.flatMap((r) => r.session[phase]);
		const summary = {
			...runs[0].counts,
			pageMiB: Math.round(sizeMb),
			openMs: { median: percentile(runs.map((r) => r.wallMs), 0.5), max: Math.max(...runs.map((r) => r.wallMs)) },
			form: runs[0].form,
			parseMs: percentile(runs.map((r) => r.timings.parseMs), 0.5),
			decodeMs: percentile(runs.map((r) => r.timings.decodeMs), 0.5),
			indexMs: percentile(runs.map((r) => r.timings.indexMs), 0.5),
			firstFrameMs: percentile(runs.map((r) => r.timings.firstRenderMs), 0.5),
			heapMiB: percentile(runs.map((r) => r.heapMb), 0.5),
			frameMs: {
				fitAll: describe(all('fitAll')), zoomIn: describe(all('zoomIn')),
				pan: describe(all('pan')), zoomOut: describe(all('zoomOut')),
			},
			deepSpanNs: runs[0].session.deepSpanNs,
			chromium: execFileSync('dpkg-query', ['-W', '-f=${Version}', 'chromium']).toString().trim(),
			loadAverage: loadavg().map((x) => x.toFixed(1)).join(' '),
			cpu: cpus()[0].model,
			cores: cpus().length,
		};
		console.log(JSON.stringify(summary, null, 2));
		if (options.markdown)
			printMarkdown(options.markdown, summary);
	} finally {
		await browser.close();
		rmSync(scratch, { recursive: true, force: true });
	}
}

main().catch((err) => {
	console.error(`bench/viz/run.mjs: ${err.message}`);
	process.exit(1);
});
