// SPDX-License-Identifier: MIT
// The DOM side of the render stage: summary, details, anomaly list, range listing, filter form
// and tooltips. Every string that comes from a report goes into the page as a text node, never
// as HTML: this module creates elements and sets textContent only.

import { formatDuration, formatTime, formatAbsolute, parseDuration } from './time.js';
import { formatBytes, formatCount, parseBytes } from './units.js';
import { KINDS, STATES, allocationsBetween, callOfAllocation, gcCycleOfAllocation, anomalyRank, overflowBetween } from './model.js';
import { emptyFilter } from './filter.js';
import { COLOURS } from './render.js';

// Creates element TAG with PROPS (className, title, type, data-* as dataset, onclick) and
// CHILDREN (nodes, or strings added as text).
export function el(tag, props = {}, ...children) {
	const node = document.createElement(tag);
	for (const [key, value] of Object.entries(props)) {
		if (key === 'dataset')
			Object.assign(node.dataset, value);
		else if (key === 'onclick')
			node.addEventListener('click', value);
		else
			node[key] = value;
	}
	for (const child of children) {
		if (child === null || child === undefined)
			continue;
		node.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
	}
	return node;
}

function linkButton(text, onclick, testId) {
	const button = el('button', { type: 'button', className: 'link', onclick }, text);
	if (testId)
		button.dataset.testid = testId;
	return button;
}

// ---- Summary ----

// Legend entries: a key of COLOURS and the meaning of that colour on the timeline.
const LEGEND = [
	['pinned', 'cgo allocation, pinned (its foreign call runs)'],
	['collectable', 'cgo allocation, released (collectable)'],
	['live', 'managed or malloc allocation'],
	['cgocall', 'foreign call (cgocall)'],
	['callback', 'callback into managed code'],
	['gcBand', 'GC cycle'],
	['discarded', 'events lost by the tracer'],
	['anomaly', 'anomaly'],
];

function legend() {
	const items = LEGEND.map(([colour, text]) => {
		const swatch = el('span', { className: 'swatch' });
		swatch.style.background = COLOURS[colour];
		return el('li', {}, swatch, text);
	});
	return el('ul', { className: 'legend', dataset: { testid: 'legend' } }, ...items);
}

export function renderSummary(container, model, stats, filterNote) {
	const report = model.report;
	const parts = [];
	parts.push(el('p', {}, `${formatCount(report.allocations.length)} allocations, ` +
		`${formatCount(report.calls.length)} calls, ${formatCount(report.gc_cycles.length)} GC cycles ` +
		`in ${formatCount(model.processes.length)} ${model.processes.length === 1 ? 'process' : 'processes'} ` +
		`over ${formatDuration(model.end - model.begin)}.`));
	if (filterNote)
		parts.push(el('p', { className: 'hint' }, filterNote));
	if (report.generator && typeof report.generator === 'object')
		parts.push(el('p', { className: 'hint' }, `Written by ${String(report.generator.name)} ` +
			`${String(report.generator.version)}, format ${report.version}, origin ` +
			`${formatAbsolute(report.origin, 0)}.`));

	parts.push(legend());
	parts.push(el('h3', {}, 'By kind and state'));
	parts.push(kindStateTable(stats));
	parts.push(el('h3', {}, `Lifetimes, alloc to free (${formatCount(stats.lifetimes.count)})`));
	parts.push(histogram(stats.lifetimes, '', 'lifetime-histogram'));
	parts.push(el('h3', {}, `Pinned durations of cgo allocations (${formatCount(stats.pinned.count)})`));
	parts.push(histogram(stats.pinned, 'pinned', 'pinned-histogram'));
	parts.push(el('h3', {}, 'Heaviest Ms and threads'));
	parts.push(heaviestTable(stats));
	const discarded = report.summary && report.summary.discarded;
	if (discarded && discarded.windows > 0)
		parts.push(el('p', { className: 'uncertain' }, `The tracer lost ${formatCount(discarded.events)} ` +
			`events and ${formatCount(discarded.packets)} packets in ${formatCount(discarded.windows)} ` +
			`${discarded.windows === 1 ? 'window' : 'windows'} (grey on the timeline). Records that ` +
			'overlap them are marked uncertain.'));
	container.replaceChildren(...parts);
}

function kindStateTable(stats) {
	const header = el('tr', {}, el('th', {}, 'kind'), el('th', {}, 'state'),
		el('th', { className: 'number' }, 'count'), el('th', { className: 'number' }, 'bytes'));
	const rows = [header];
	for (const [kind, byKind] of stats.byKind) {
		if (byKind.count === 0)
			continue;
		rows.push(el('tr', {}, el('td', {}, el('b', {}, kind)), el('td', {}, 'all'),
			el('td', { className: 'number' }, formatCount(byKind.count)),
			el('td', { className: 'number' }, formatBytes(byKind.bytes))));
		for (const [state, sums] of byKind.byState) {
			if (sums.count === 0)
				continue;
			rows.push(el('tr', {}, el('td', {}), el('td', {}, state.replaceAll('_', ' ')),
				el('td', { className: 'number' }, formatCount(sums.count)),
				el('td', { className: 'number' }, formatBytes(sums.bytes))));
		}
	}
	rows.push(el('tr', {}, el('td', {}, el('b', {}, 'total')), el('td', {}),
		el('td', { className: 'number' }, formatCount(stats.total.count)),
		el('td', { className: 'number' }, formatBytes(stats.total.bytes))));
	return el('table', { className: 'counts', dataset: { testid: 'kind-state-table' } }, ...rows);
}

function histogram(data, barClass, testId) {
	if (data.count === 0)
		return el('p', { className: 'hint' }, 'none');
	const peak = Math.max(...data.bins.map((bin) => bin.count));
	const cells = [];
	for (const bin of data.bins) {
		cells.push(el('span', {}, `≥ ${formatDuration(bin.from)}`));
		const bar = el('div', { className: `bar ${barClass}`.trim() });
		bar.style.width = `${(100 * bin.count) / peak}%`;
		cells.push(bar);
		cells.push(el('span', { className: 'number' }, formatCount(bin.count)));
	}
	return el('div', { className: 'histogram', dataset: { testid: testId } }, ...cells);
}

function heaviestTable(stats) {
	if (stats.heaviest.length === 0)
		return el('p', { className: 'hint' }, 'none');
	const rows = [el('tr', {}, el('th', {}, 'track'), el('th', { className: 'number' }, 'peak pinned'),
		el('th', { className: 'number' }, 'allocations'), el('th', { className: 'number' }, 'bytes'))];
	for (const entry of stats.heaviest) {
		rows.push(el('tr', {}, el('td', {}, `${entry.track.process.label} ${entry.track.label}`),
			el('td', { className: 'number' }, entry.peakPinned === null ? '—' : formatBytes(entry.peakPinned)),
			el('td', { className: 'number' }, formatCount(entry.count)),
			el('td', { className: 'number' }, formatBytes(entry.bytes))));
	}
	return el('table', { className: 'counts', dataset: { testid: 'heaviest-table' } }, ...rows);
}

// ---- Details ----

const TIME_FIELDS = new Set(['alloc', 'release', 'free', 'entry', 'exit', 'start', 'end', 'time', 'begin']);
const DURATION_FIELDS = new Set(['pause_ns']);
const BYTE_FIELDS = new Set(['size', 'live_bytes_before', 'goal_bytes', 'freed_bytes', 'live_bytes_after']);

function fieldValue(model, key, value) {
	if (value === null)
		return 'null';
	// Raw numbers come first, so they can be searched for and copied as the report has them.
	if (TIME_FIELDS.has(key) && typeof value === 'number')
		return `${value} ns = ${formatTime(value)}, at ${formatAbsolute(model.origin, value)}`;
	if (DURATION_FIELDS.has(key) && typeof value === 'number')
		return `${value} ns = ${formatDuration(value)}`;
	if (BYTE_FIELDS.has(key) && typeof value === 'number')
		return value >= 1024 ? `${value} B = ${formatBytes(value)}` : `${value} B`;
	return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function fieldsTable(model, record) {
	const rows = Object.entries(record).map(([key, value]) =>
		el('tr', { dataset: { field: key } }, el('td', {}, key), el('td', {}, fieldValue(model, key, value))));
	return el('table', { className: 'fields' }, ...rows);
}

function anomalyItems(model, indexes, actions) {
	return indexes.map((index) => {
		const anomaly = model.report.anomalies[index];
		return el('li', {}, el('span', { className: 'anomaly-kind' }, anomaly.kind), ' ',
			linkButton(String(anomaly.message), () => actions.jumpToAnomaly(index)));
	});
}

// Shows the fields of TARGET ({type: allocation|call|gc, index}) in CONTAINER, with links to the
// related call, GC cycle and anomalies. Returns {call, gcCycle}: what the timeline highlights.
export function renderDetails(container, model, target, actions) {
	const report = model.report;
	const parts = [];
	const related = { call: -1, gcCycle: -1 };
	if (target.type === 'allocation') {
		const record = report.allocations.get(target.index);
		related.call = callOfAllocation(model, target.index);
		related.gcCycle = gcCycleOfAllocation(model, target.index);
		parts.push(el('h3', {}, `Allocation ${record.id}: ${record.kind}, ${formatBytes(record.size)}, ${record.state.replaceAll('_', ' ')}`));
		const start = model.alloc.starts[target.index];
		const pinned = model.alloc.pinnedEnds[target.index] - start;
		const lifetime = model.alloc.ends[target.index] - start;
		parts.push(el('p', {}, `Lifetime ${formatDuration(lifetime)}${record.free === null ? ' (not freed before the end)' : ''}` +
			(record.kind === 'cgo' ? `, pinned ${formatDuration(pinned)}` : '') + '.'));
		if (record.uncertain)
			parts.push(el('p', { className: 'uncertain' }, 'Uncertain: the tracer lost events while it was live.'));
		parts.push(fieldsTable(model, record));
		if (related.call >= 0) {
			const call = report.calls.get(related.call);
			parts.push(el('p', {}, 'Allocated in ', linkButton(`call ${call.id} (${call.kind} ${call.fn === null ? '' : call.fn}, depth ${call.depth})`,
				() => actions.selectCall(related.call), 'details-call')));
		}
		if (related.gcCycle >= 0) {
			const cycle = report.gc_cycles.get(related.gcCycle);
			parts.push(el('p', {}, 'Freed by ', linkButton(`GC cycle ${cycle.cycle} (${cycle.reason})`,
				() => actions.selectGcCycle(related.gcCycle), 'details-gc')));
		}
		const anomalies = model.anomaliesByAllocation.get(record.id) || [];
		if (anomalies.length)
			parts.push(el('h3', {}, 'Anomalies'), el('ul', { className: 'record-list' }, ...anomalyItems(model, anomalies, actions)));
	} else if (target.type === 'call') {
		const call = report.calls.get(target.index);
		related.call = target.index;
		parts.push(el('h3', {}, `Call ${call.id}: ${call.kind} ${call.fn === null ? '' : call.fn}`));
		const duration = model.call.ends[target.index] - model.call.starts[target.index];
		parts.push(el('p', {}, `Duration ${formatDuration(duration)}${call.exit === null ? ' (no exit before the end)' : ''}.`));
		parts.push(fieldsTable(model, call));
		const anomalies = model.anomaliesByCall.get(call.id) || [];
		if (anomalies.length)
			parts.push(el('h3', {}, 'Anomalies'), el('ul', { className: 'record-list' }, ...anomalyItems(model, anomalies, actions)));
	} else if (target.type === 'gc') {
		const cycle = report.gc_cycles.get(target.index);
		related.gcCycle = target.index;
		parts.push(el('h3', {}, `GC cycle ${cycle.cycle} (${cycle.reason})`));
		parts.push(fieldsTable(model, cycle));
	}
	container.replaceChildren(...parts);
	return related;
}

// ---- Anomalies ----

// Anomalies listed at once; a button adds more, so that a report with many live_at_end findings
// does not build a huge list.
export const ANOMALY_PAGE = 300;

export function fillAnomalyKinds(select, model) {
	const options = [el('option', { value: '' }, `all kinds (${formatCount(model.report.anomalies.length)})`)];
	const byRank = [...model.anomalyCounts].sort(([a], [b]) => anomalyRank(a) - anomalyRank(b) || a.localeCompare(b));
	for (const [kind, count] of byRank)
		options.push(el('option', { value: kind }, `${kind} (${formatCount(count)})`));
	select.replaceChildren(...options);
}

// Lists the anomalies of KIND ('' for all) in LIST, the first LIMIT of them, each a link that
// jumps to it. The most urgent kinds come first (model.anomalyOrder).
export function renderAnomalyList(list, model, kind, limit, actions) {
	const items = [];
	const anomalies = model.report.anomalies;
	let matching = 0;
	for (const index of model.anomalyOrder) {
		const anomaly = anomalies[index];
		if (kind && anomaly.kind !== kind)
			continue;
		matching++;
		if (items.length >= limit)
			continue;
		const where = `${anomaly.m !== null ? `M${anomaly.m}` : anomaly.tid !== null ? `thread ${anomaly.tid}` : ''} pid ${anomaly.pid}`;
		items.push(el('li', { dataset: { testid: 'anomaly', kind: String(anomaly.kind) } },
			el('span', { className: 'anomaly-kind' }, String(anomaly.kind)), ' ',
			el('span', { className: 'hint' }, `${formatTime(anomaly.time)} · ${where}`),
			anomaly.uncertain ? el('span', { className: 'uncertain' }, ' · uncertain') : null,
			el('br'),
			linkButton(String(anomaly.message), () => actions.jumpToAnomaly(index), 'anomaly-link')));
	}
	if (matching === 0)
		items.push(el('li', { className: 'hint' }, 'No anomalies.'));
	else if (matching > limit)
		items.push(el('li', {}, linkButton(`show ${formatCount(Math.min(ANOMALY_PAGE, matching - limit))} more of ${formatCount(matching - limit)}`,
			() => actions.showMoreAnomalies())));
	list.replaceChildren(...items);
}

// ---- Range selection ----

// Records listed per group in the range listing; the counts above each list are complete.
const RANGE_LIST_LIMIT = 100;

export function renderRangeSelection(container, model, range, actions) {
	const [from, to] = range;
	const parts = [el('h3', {}, `${formatTime(from, 1)} to ${formatTime(to, 1)} (${formatDuration(to - from)})`)];
	for (const [field, verb] of [['alloc', 'allocated'], ['release', 'released'], ['free', 'freed']]) {
		const { first, count, order } = allocationsBetween(model, field, from, to);
		const shown = [];
		let total = 0;
		for (let k = first; k < first + count; k++) {
			const index = order[k];
			if (!model.visible[index])
				continue;
			total++;
			if (shown.length < RANGE_LIST_LIMIT)
				shown.push(index);
		}
		parts.push(el('h3', { dataset: { testid: `range-${verb}` } }, `${formatCount(total)} ${verb}`));
		const items = shown.map((index) => {
			const record = model.report.allocations.get(index);
			return el('li', {}, linkButton(`#${record.id} ${record.kind} ${formatBytes(record.size)} at ${record.addr}, ` +
				`${verb} ${formatTime(record[field])}`, () => actions.selectAllocation(index)));
		});
		if (total > shown.length)
			items.push(el('li', { className: 'hint' }, `and ${formatCount(total - shown.length)} more; select a shorter range to list them`));
		parts.push(el('ul', { className: 'record-list' }, ...items));
	}
	container.replaceChildren(...parts);
}

// Lists in CONTAINER the allocations of TRACK's overflow row that are live at TIME, each a link
// that selects it.
export function renderOverflowList(container, model, track, time, actions) {
	const { items, count } = overflowBetween(model, track, time, time, RANGE_LIST_LIMIT);
	const parts = [
		el('h3', { dataset: { testid: 'overflow-heading' } },
			`${formatCount(count)} overlapping lifetimes on ${track.label} at ${formatTime(time)}`),
		el('p', { className: 'hint' }, `The lanes of ${track.label} hold the lifetimes that fit beside each other; ` +
			'these overlap too many of them. Click one to see it.'),
	];
	const list = items.map((index) => {
		const record = model.report.allocations.get(index);
		return el('li', {}, linkButton(`#${record.id} ${record.kind} ${formatBytes(record.size)} at ${record.addr}, ` +
			`${formatTime(model.alloc.starts[index])} to ${formatTime(model.alloc.ends[index])}`,
			() => actions.selectAllocation(index), 'overflow-item'));
	});
	if (count > items.length)
		list.push(el('li', { className: 'hint' }, `and ${formatCount(count - items.length)} more; zoom in and click again to narrow them`));
	parts.push(el('ul', { className: 'record-list' }, ...list));
	container.replaceChildren(...parts);
}

// ---- Filters ----

export function fillFilterOptions(form, model, processKey) {
	const processes = [el('option', { value: '' }, 'all processes')];
	for (const process of model.processes)
		processes.push(el('option', { value: process.key }, process.label));
	form.elements.process.replaceChildren(...processes);
	form.elements.process.value = processKey || '';
	fillTrackOptions(form, model);
}

export function fillTrackOptions(form, model) {
	const processKey = form.elements.process.value;
	const tracks = [el('option', { value: '' }, 'all Ms and threads')];
	for (const track of model.tracks) {
		if (!processKey || track.process.key === processKey)
			tracks.push(el('option', { value: track.key }, `${track.label}${processKey ? '' : ` · ${track.process.label}`}`));
	}
	form.elements.track.replaceChildren(...tracks);
}

function checkedSet(form, name, all) {
	const checked = [...form.querySelectorAll(`input[name="${name}"]`)].filter((box) => box.checked).map((box) => box.value);
	return checked.length === all.length ? null : new Set(checked);
}

// Reads the filter form. Throws RangeError naming the field when a size or duration is invalid.
export function readFilter(form) {
	const filter = emptyFilter();
	const fields = form.elements;
	if (fields.process.value)
		filter.processes = new Set([fields.process.value]);
	if (fields.track.value)
		filter.tracks = new Set([fields.track.value]);
	filter.kinds = checkedSet(form, 'kind', KINDS);
	filter.states = checkedSet(form, 'state', STATES);
	const read = (name, label, parse) => {
		try {
			return parse(fields[name].value);
		} catch (err) {
			throw new RangeError(`${label}: ${err.message}`);
		}
	};
	filter.sizeMin = read('sizeMin', 'Minimum size', parseBytes);
	filter.sizeMax = read('sizeMax', 'Maximum size', parseBytes);
	filter.lifetimeMin = read('lifetimeMin', 'Minimum lifetime', parseDuration);
	filter.lifetimeMax = read('lifetimeMax', 'Maximum lifetime', parseDuration);
	filter.anomaliesOnly = fields.anomaliesOnly.checked;
	if (filter.sizeMin !== null && filter.sizeMax !== null && filter.sizeMin > filter.sizeMax)
		throw new RangeError(`Size: the minimum ${formatBytes(filter.sizeMin)} is above the maximum ${formatBytes(filter.sizeMax)}`);
	if (filter.lifetimeMin !== null && filter.lifetimeMax !== null && filter.lifetimeMin > filter.lifetimeMax)
		throw new RangeError(`Lifetime: the minimum ${formatDuration(filter.lifetimeMin)} is above the maximum ${formatDuration(filter.lifetimeMax)}`);
	return filter;
}

// ---- Tooltip ----

// Returns the tooltip text of HIT (from the timeline's hit test), or '' for none.
export function tooltipText(model, hit) {
	const report = model.report;
	switch (hit.type) {
	case 'allocation': {
		const record = report.allocations.get(hit.index);
		const lifetime = model.alloc.ends[hit.index] - model.alloc.starts[hit.index];
		const pinned = model.alloc.pinnedEnds[hit.index] - model.alloc.starts[hit.index];
		return `allocation ${record.id} · ${record.kind} · ${formatBytes(record.size)} at ${record.addr}\n` +
			`allocated ${formatTime(record.alloc)}, ${record.state.replaceAll('_', ' ')}\n` +
			`lifetime ${formatDuration(lifetime)}${record.kind === 'cgo' ? `, pinned ${formatDuration(pinned)}` : ''}` +
			(record.uncertain ? '\nuncertain: events were lost meanwhile' : '');
	}
	case 'aggregate':
		return `${formatCount(hit.count)} ${hit.what} in this pixel column; zoom in (W or wheel) to tell them apart`;
	case 'call': {
		const call = report.calls.get(hit.index);
		const duration = model.call.ends[hit.index] - model.call.starts[hit.index];
		return `${call.kind} ${call.fn === null ? '' : call.fn} · depth ${call.depth}\n` +
			`entry ${formatTime(call.entry)}, ${call.exit === null ? 'no exit' : `duration ${formatDuration(duration)}`}`;
	}
	case 'gc': {
		const cycle = report.gc_cycles.get(hit.index);
		return `GC cycle ${cycle.cycle} (${cycle.reason}) · pause ${formatDuration(cycle.pause_ns)}\n` +
			`freed ${cycle.freed_objects === null ? '—' : formatCount(cycle.freed_objects)} objects, ` +
			`${formatBytes(cycle.freed_bytes)}; live after ${formatBytes(cycle.live_bytes_after)}`;
	}
	case 'counter':
		return `${hit.name} at ${formatTime(hit.time)}: ${formatBytes(hit.value)}`;
	case 'overflow':
		return `${formatCount(hit.value)} more lifetimes overlap at ${formatTime(hit.time)}, beyond the lanes above\n` +
			'click to list them';
	case 'process':
		return `${hit.process.label}: ${hit.process.tracks.length} tracks; click to fold or unfold`;
	case 'discarded': {
		const { window } = hit;
		const what = window.count === null ? `some ${window.kind}` : `${formatCount(window.count)} ${window.kind}`;
		return `the tracer lost ${what} between ${formatTime(window.begin)} and ${formatTime(window.end)}\n` +
			'records that overlap this window are marked uncertain';
	}
	default:
		return '';
	}
}
