// SPDX-License-Identifier: MIT
// Entry point of the viewer: loads the embedded report or one the user opens (load), builds the
// model (index), and wires the timeline and the panels (render). It also exposes
// window.cgomalViewer, a small read-only interface for the end-to-end tests and the benchmark.

import { formatTime, formatDuration } from './time.js';
import { ReportError } from './report.js';
import { parseJson, readReport } from './columns.js';
import { buildModel } from './model.js';
import { applyFilter, isEmptyFilter, emptyFilter } from './filter.js';
import { computeStats } from './stats.js';
import { Timeline } from './timeline.js';
import { el, renderSummary, renderDetails, renderAnomalyList, fillAnomalyKinds, renderRangeSelection, renderOverflowList, fillFilterOptions, fillTrackOptions, readFilter, tooltipText, ANOMALY_PAGE } from './panels.js';
import { formatBytes, formatCount } from './units.js';

const $ = (id) => document.getElementById(id);

const state = {
	status: 'loading',
	model: null,
	source: '',
	timings: {},
	anomalyLimit: ANOMALY_PAGE,
	filter: emptyFilter(),
	detailsTarget: null,
	summaryStale: false,
};

const timeline = new Timeline($('canvas'), $('overlay'), $('vscroll'), $('vscroll-spacer'), {
	onHover: showHover,
	onClick: onTimelineClick,
	onRangeSelect: showRange,
});

const actions = {
	selectAllocation: (index) => selectTarget({ type: 'allocation', index }, true),
	selectCall: (index) => selectTarget({ type: 'call', index }, true),
	selectGcCycle: (index) => selectTarget({ type: 'gc', index }, true),
	jumpToAnomaly,
	showMoreAnomalies: () => {
		state.anomalyLimit += ANOMALY_PAGE;
		renderAnomalies();
	},
};

// ---- Loading ----

function showError(message) {
	state.status = 'error';
	state.error = message;
	$('error').textContent = message;
	$('error').hidden = false;
}

// Opens report TEXT read from SOURCE, replacing what the page shows. A report that cannot be
// read leaves an error message above the report shown before, or above the welcome text, never
// a blank page.
function openReport(text, source) {
	state.status = 'loading';
	$('error').hidden = true;
	const t0 = performance.now();
	let model;
	try {
		const value = parseJson(text, source);
		const t1 = performance.now();
		const report = readReport(value, source);
		const t2 = performance.now();
		model = buildModel(report);
		state.timings = { parseMs: t1 - t0, decodeMs: t2 - t1, indexMs: performance.now() - t2 };
	} catch (err) {
		const message = err instanceof ReportError ? err.message
			: `${source} could not be opened: ${err && err.message ? err.message : String(err)}. ` +
				'The file may be damaged; write the report again with cgomal report.';
		showError(message);
		$('loading').hidden = true;
		$('viewer').hidden = state.model === null;
		$('welcome').hidden = state.model !== null;
		return false;
	}

	state.model = model;
	state.source = source;
	state.filter = emptyFilter();
	state.anomalyLimit = ANOMALY_PAGE;
	state.detailsTarget = null;
	$('source-name').textContent = source;
	$('fit-button').disabled = false;
	$('loading').hidden = true;
	$('welcome').hidden = true;
	$('viewer').hidden = false;
	$('filters').reset();
	fillFilterOptions($('filters'), model, '');
	fillAnomalyKinds($('anomaly-kind'), model);
	const liveAtEnd = model.anomalyCounts.get('live_at_end') || 0;
	$('anomaly-hint').hidden = liveAtEnd === 0;
	$('anomaly-hint').textContent = `${formatCount(liveAtEnd)} live_at_end: allocations still allocated ` +
		'when their trace ended. A program that exits with objects on its heap has many. Their state ' +
		'tells more: released (collectable, no collection came), pinned (its foreign call still ran) ' +
		'or live at end (managed and malloc).';
	// Allocations still live at the end are counted apart: a program that exits with a heap
	// has thousands, and they would drown the count of real findings.
	const findings = model.report.anomalies.length - liveAtEnd;
	$('anomaly-count').textContent = liveAtEnd === 0 ? `(${formatCount(findings)})`
		: `(${formatCount(findings)} · ${formatCount(liveAtEnd)} live at end)`;
	$('filter-state').textContent = '';
	timeline.setModel(model);
	renderAnomalies();
	state.summaryStale = true;
	// Allocations still live at the end are common in a healthy program, so only other kinds
	// open the anomaly list first.
	showTab(findings > 0 ? 'anomalies' : 'summary');
	const t3 = performance.now();
	requestAnimationFrame(() => {
		timeline.render();
		state.timings.firstRenderMs = performance.now() - t3;
		state.timings.totalMs = performance.now() - t0;
		state.status = 'ready';
	});
	return true;
}

function loadEmbedded() {
	const slot = $('cgomal-report');
	const text = slot ? slot.textContent : '';
	if (text.trim() === '') {
		state.status = 'empty';
		$('loading').hidden = true;
		$('welcome').hidden = false;
		return;
	}
	const page = decodeURIComponent(location.pathname.split('/').pop() || '');
	if (openReport(text, page ? `${page} (embedded report)` : 'embedded report')) {
		// The parsed report now has everything, so drop the page's copy of the text, which
		// is as large as the report file.
		slot.textContent = '';
	}
}

async function openFile(file) {
	$('loading').hidden = false;
	$('welcome').hidden = true;
	let text;
	let problem = null;
	try {
		text = await file.text();
	} catch (err) {
		problem = `${file.name} could not be read: ${err.message}. Check that the file still exists and is readable.`;
	}
	// Chromium returns an empty text, without an error, for a file longer than its longest
	// string (about 512 MiB).
	if (problem === null && text.length === 0 && file.size > 0)
		problem = `${file.name} (${formatBytes(file.size)}) is too large for this browser to read as text. ` +
			'Open the page that cgomal report --html writes for the same traces instead: it holds the ' +
			'report in a form a quarter to a half the size.';
	if (problem !== null) {
		showError(problem);
		$('loading').hidden = true;
		$('viewer').hidden = state.model === null;
		$('welcome').hidden = state.model !== null;
		return;
	}
	openReport(text, file.name);
}

// ---- Panels ----

function showTab(name) {
	for (const button of document.querySelectorAll('#tabs button'))
		button.setAttribute('aria-selected', String(button.dataset.tab === name));
	for (const section of document.querySelectorAll('.tab'))
		section.hidden = section.id !== `tab-${name}`;
	if (name === 'summary' && state.summaryStale)
		renderSummaryTab();
}

// Marks the summary out of date and computes it now only when its tab shows, because a
// million allocations take a noticeable moment to count.
function invalidateSummary() {
	state.summaryStale = true;
	if (!$('tab-summary').hidden)
		renderSummaryTab();
}

function renderSummaryTab() {
	state.summaryStale = false;
	const stats = computeStats(state.model);
	const note = isEmptyFilter(state.filter) ? '' : `Filtered: the numbers below count the ${formatCount(stats.total.count)} allocations that the filters show.`;
	renderSummary($('tab-summary'), state.model, stats, note);
}

function renderAnomalies() {
	renderAnomalyList($('anomaly-list'), state.model, $('anomaly-kind').value, state.anomalyLimit, actions);
}

function selectTarget(target, jump) {
	state.detailsTarget = target;
	const related = renderDetails($('tab-details'), state.model, target, actions);
	timeline.setSelection({
		allocation: target.type === 'allocation' ? target.index : -1,
		call: related.call,
		gcCycle: related.gcCycle,
	});
	showTab('details');
	if (!jump)
		return;
	const model = state.model;
	if (target.type === 'allocation') {
		const start = model.alloc.starts[target.index];
		const end = model.alloc.ends[target.index];
		timeline.unfoldProcess(model.alloc.tracks[target.index].process);
		timeline.focus((start + end) / 2, Math.max((end - start) * 1.6, 1000), timeline.rowOfAllocation(target.index));
	} else if (target.type === 'call') {
		const start = model.call.starts[target.index];
		const end = model.call.ends[target.index];
		const call = model.report.calls.get(target.index);
		const process = model.processByKey.get(`${call.trace}/${call.pid}`);
		timeline.unfoldProcess(process);
		timeline.focus((start + end) / 2, Math.max((end - start) * 1.6, 1000), timeline.rowOfCall(target.index));
	} else if (target.type === 'gc') {
		const start = model.gc.starts[target.index];
		const end = model.gc.ends[target.index];
		timeline.focus((start + end) / 2, Math.max((end - start) * 20, 1000), null);
	}
}

function jumpToAnomaly(index) {
	const model = state.model;
	const anomaly = model.report.anomalies[index];
	const allocation = anomaly.allocation !== null ? model.allocationById.get(anomaly.allocation) : undefined;
	const call = anomaly.call !== null ? model.callById.get(anomaly.call) : undefined;
	if (allocation !== undefined) {
		if (!model.visible[allocation])
			resetFilters();
		selectTarget({ type: 'allocation', index: allocation }, true);
	} else if (call !== undefined) {
		selectTarget({ type: 'call', index: call }, true);
	} else if (anomaly.time !== null) {
		const row = timeline.layout.rows.find((r) => r.process && r.process.pid === anomaly.pid && r.process.trace === anomaly.trace);
		timeline.focus(anomaly.time, Math.max(model.end / 1000, 1000), row || null);
		timeline.setSelection({ range: [anomaly.time, anomaly.time] });
	}
}

// Puts the Range tab back to its hint, when the selection it listed is gone.
function clearRangePanel() {
	$('tab-selection').replaceChildren(el('p', { className: 'hint' }, 'Shift and drag on the timeline to select a time range.'));
}

function showRange(range) {
	renderRangeSelection($('tab-selection'), state.model, range, actions);
	showTab('selection');
}

function showHover(hit, time, event) {
	const tooltip = $('tooltip');
	$('hover-time').textContent = time === null || time === undefined ? '' : `pointer at ${formatTime(Math.round(time), timeline.view.nsPerPx)}`;
	const text = hit && state.model ? tooltipText(state.model, hit) : '';
	if (!text || !event) {
		tooltip.hidden = true;
		return;
	}
	tooltip.textContent = text;
	tooltip.hidden = false;
	const x = Math.min(event.clientX + 14, window.innerWidth - tooltip.offsetWidth - 8);
	const y = event.clientY + 18 + tooltip.offsetHeight > window.innerHeight ? event.clientY - tooltip.offsetHeight - 10 : event.clientY + 18;
	tooltip.style.left = `${Math.max(4, x)}px`;
	tooltip.style.top = `${Math.max(4, y)}px`;
}

function onTimelineClick(hit) {
	if (!hit) {
		timeline.setSelection({ allocation: -1, call: -1, gcCycle: -1 });
		$('tooltip').hidden = true;
		return;
	}
	if (hit.type === 'process')
		timeline.toggleProcess(hit.process);
	else if (hit.type === 'allocation' || (hit.type === 'aggregate' && hit.kind === 'allocation'))
		selectTarget({ type: 'allocation', index: hit.index }, false);
	else if (hit.type === 'call' || (hit.type === 'aggregate' && hit.kind === 'call'))
		selectTarget({ type: 'call', index: hit.index }, false);
	else if (hit.type === 'gc')
		selectTarget({ type: 'gc', index: hit.index }, false);
	else if (hit.type === 'overflow') {
		renderOverflowList($('tab-selection'), state.model, hit.track, hit.time, actions);
		showTab('selection');
	}
}

// ---- Filters ----

function applyFilters() {
	const form = $('filters');
	let filter;
	try {
		filter = readFilter(form);
	} catch (err) {
		// The filter applied before stays, and the message names that.
		$('filter-error').textContent = `${err.message}. The filters applied before still hold.`;
		return;
	}
	$('filter-error').textContent = '';
	state.filter = filter;
	const shown = applyFilter(state.model, filter);
	$('filter-state').textContent = isEmptyFilter(filter) ? '' : `(${formatCount(shown)} shown)`;
	timeline.relayout();
	invalidateSummary();
}

function resetFilters() {
	$('filters').reset();
	fillTrackOptions($('filters'), state.model);
	applyFilters();
}

// ---- Wiring ----

function attachControls() {
	$('file-input').addEventListener('change', (event) => {
		const file = event.target.files && event.target.files[0];
		if (file)
			openFile(file);
		event.target.value = '';
	});
	$('fit-button').addEventListener('click', () => timeline.fitAll());
	$('help-button').addEventListener('click', () => {
		$('help').hidden = !$('help').hidden;
	});
	for (const button of document.querySelectorAll('#tabs button'))
		button.addEventListener('click', () => showTab(button.dataset.tab));
	$('anomaly-kind').addEventListener('change', () => {
		state.anomalyLimit = ANOMALY_PAGE;
		renderAnomalies();
	});

	const form = $('filters');
	form.addEventListener('submit', (event) => event.preventDefault());
	form.addEventListener('change', (event) => {
		if (event.target.name === 'process')
			fillTrackOptions(form, state.model);
		applyFilters();
	});
	// Opening a report resets the form too. Its model shows everything already, and packing a
	// million lifetimes into lanes again would cost a noticeable moment.
	form.addEventListener('reset', () => setTimeout(() => {
		fillTrackOptions(form, state.model);
		if (!isEmptyFilter(state.filter))
			applyFilters();
	}, 0));

	document.addEventListener('keydown', (event) => {
		const target = event.target;
		if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement || event.ctrlKey || event.metaKey)
			return;
		if (event.key === '?') {
			$('help').hidden = !$('help').hidden;
		} else if (event.key === 'Escape') {
			$('help').hidden = true;
			timeline.setSelection({ range: null, allocation: -1, call: -1, gcCycle: -1 });
			clearRangePanel();
		} else if (timeline.onKey(event)) {
			event.preventDefault();
		}
	});

	let dragDepth = 0;
	document.addEventListener('dragenter', (event) => {
		event.preventDefault();
		dragDepth++;
		$('drop-overlay').hidden = false;
	});
	document.addEventListener('dragleave', () => {
		dragDepth = Math.max(0, dragDepth - 1);
		if (dragDepth === 0)
			$('drop-overlay').hidden = true;
	});
	document.addEventListener('dragover', (event) => event.preventDefault());
	document.addEventListener('drop', (event) => {
		event.preventDefault();
		dragDepth = 0;
		$('drop-overlay').hidden = true;
		const file = event.dataTransfer && event.dataTransfer.files[0];
		if (file)
			openFile(file);
	});
}

// Read-only access for the end-to-end tests and the benchmark; nothing in the page uses it.
window.cgomalViewer = {
	get status() {
		return state.status;
	},
	get error() {
		return state.error || null;
	},
	get form() {
		return state.model ? state.model.report.form : null;
	},
	get timings() {
		return { ...state.timings };
	},
	get view() {
		return { ...timeline.view };
	},
	get lastFrame() {
		return timeline.lastCounts ? { ...timeline.lastCounts } : null;
	},
	get frameTimes() {
		return [...timeline.frameTimes];
	},
	get frames() {
		return timeline.frames;
	},
	get selection() {
		return { ...timeline.selection };
	},
	counts: () => {
		const report = state.model ? state.model.report : null;
		return report && {
			allocations: report.allocations.length, calls: report.calls.length,
			gcCycles: report.gc_cycles.length, anomalies: report.anomalies.length,
		};
	},
	trackLabels: () => state.model ? state.model.shownTracks.map((track) => `${track.process.label} ${track.label}`) : [],
	rowCount: (type) => timeline.layout.rows.filter((row) => row.type === type).length,
	allocationIndex: (id) => state.model ? state.model.allocationById.get(id) : undefined,
	locateAllocation: (index) => timeline.locateAllocation(index),
	locateOverflowed: (index) => timeline.locateOverflowed(index),
	allocationRow: (index) => {
		const row = timeline.rowOfAllocation(index);
		return row ? { type: row.type, top: row.y - timeline.scrollTop, height: row.height } : null;
	},
	canvasHeight: () => timeline.cssHeight,
	locateCall: (index) => timeline.locateCall(index),
	describeView: () => timeline.describeView(),
	formatDuration,
	renderNow: () => {
		timeline.render();
		return timeline.frameTimes[timeline.frameTimes.length - 1];
	},
};

attachControls();
loadEmbedded();
