// SPDX-License-Identifier: MIT
// Render stage (load → index → render): draws one frame of the timeline on a Canvas 2D context,
// from the model, the row layout and the view. Each lane is drawn through visitLane, so a frame
// costs about one search per pixel column and lane. Rectangles are batched per colour.

import { axisTicks, xAtTime, timeAtX } from './time.js';
import { visitLane, MARK_ANOMALY, MARK_UNCERTAIN } from './lanes.js';
import { MARK_CALLBACK } from './model.js';
import { formatBytes } from './units.js';
import { processRowRange } from './layout.js';

export const COLOURS = {
	background: '#ffffff',
	gutter: '#f6f7f9',
	gutterText: '#1f2328',
	mutedText: '#656d76',
	grid: '#eceef1',
	processHeader: '#e9ecef',
	pinned: '#e8590c',
	collectable: '#1c7ed6',
	live: '#37b24d',
	cgocall: '#7950f2',
	callback: '#12b886',
	callText: '#ffffff',
	gcBand: 'rgba(250, 176, 5, 0.20)',
	gcBandSelected: 'rgba(250, 176, 5, 0.55)',
	gcTick: '#f08c00',
	discarded: 'rgba(134, 142, 150, 0.25)',
	anomaly: '#e03131',
	selection: 'rgba(51, 154, 240, 0.16)',
	selectionEdge: '#339af0',
	highlight: '#000000',
	liveBytes: '#74c0fc',
	pinnedBytes: '#ffa94d',
	overflow: '#adb5bd',
	hoverLine: 'rgba(0, 0, 0, 0.35)',
};

// Rectangles collected per fill colour, drawn with one path per colour.
class RectBatch {
	constructor() {
		this.byColour = new Map();
	}

	add(colour, x, y, width, height) {
		let rects = this.byColour.get(colour);
		if (!rects) {
			rects = [];
			this.byColour.set(colour, rects);
		}
		const last = rects.length - 4;
		// Extend the previous rectangle when this one continues it on the same row.
		if (last >= 0 && rects[last + 1] === y && rects[last + 3] === height &&
		    x <= rects[last] + rects[last + 2] + 0.5 && x >= rects[last]) {
			rects[last + 2] = Math.max(rects[last + 2], x + width - rects[last]);
			return;
		}
		rects.push(x, y, width, height);
	}

	flush(ctx) {
		for (const [colour, rects] of this.byColour) {
			ctx.fillStyle = colour;
			for (let k = 0; k < rects.length; k += 4)
				ctx.fillRect(rects[k], rects[k + 1], rects[k + 2], rects[k + 3]);
		}
		this.byColour.clear();
	}
}

// Draws one frame and returns how many things of each kind it drew, for tests and benchmarks.
// FRAME: {model, layout, view, scrollTop, width, height, gutter, axisHeight, selection,
// collapsed}, with sizes in CSS pixels.
export function renderFrame(ctx, frame) {
	const counts = {
		rows: 0, gcBands: 0, discarded: 0, callSpans: 0, allocationBars: 0,
		aggregatedColumns: 0, counterColumns: 0, anomalyMarks: 0,
	};
	const { width, height, gutter, axisHeight } = frame;
	ctx.fillStyle = COLOURS.background;
	ctx.fillRect(0, 0, width, height);

	const visible = visibleRows(frame);
	ctx.save();
	ctx.beginPath();
	ctx.rect(gutter, axisHeight, width - gutter, height - axisHeight);
	ctx.clip();
	const ticks = axisTicks(frame.view);
	drawGrid(ctx, frame, ticks);
	drawProcessBands(ctx, frame, visible, counts);
	const batch = new RectBatch();
	const overlays = [];
	for (const row of visible) {
		counts.rows++;
		drawRow(ctx, frame, row, batch, overlays, counts);
	}
	batch.flush(ctx);
	for (const draw of overlays)
		draw();
	drawSelection(ctx, frame);
	ctx.restore();

	drawGutter(ctx, frame, visible);
	drawAxis(ctx, frame, ticks);
	if (frame.layout.rows.length === 0)
		drawEmptyNote(ctx, frame);
	return counts;
}

// Draws the overlay of a frame: the vertical line at the pointer's time, at HOVER_X (CSS pixels
// from the time area's left edge) or nothing when it is null.
export function renderOverlay(ctx, frame, hoverX) {
	ctx.clearRect(0, 0, frame.width, frame.height);
	if (hoverX === null)
		return;
	ctx.fillStyle = COLOURS.hoverLine;
	ctx.fillRect(frame.gutter + hoverX, frame.axisHeight, 1, frame.height);
}

// Says why nothing is drawn: an empty report, or filters that hide every track.
function drawEmptyNote(ctx, frame) {
	const report = frame.model.report;
	const lines = frame.model.tracks.length === 0
		? ['This report has no allocations, foreign calls or GC cycles.',
			`Its ${report.traces.length} trace(s) contain no cgomal or lttng_ust_libc events.`]
		: ['The filters hide every track.', 'Use "Show everything" in the Filters tab to show them again.'];
	ctx.fillStyle = COLOURS.mutedText;
	ctx.font = '13px system-ui, sans-serif';
	ctx.textBaseline = 'top';
	lines.forEach((line, i) => ctx.fillText(line, frame.gutter + 16, frame.axisHeight + 20 + 18 * i));
}

function rowTop(frame, row) {
	return frame.axisHeight + row.y - frame.scrollTop;
}

function visibleRows(frame) {
	const top = frame.scrollTop;
	const bottom = top + frame.height - frame.axisHeight;
	return frame.layout.rows.filter((row) => row.y + row.height > top && row.y < bottom);
}

function drawGrid(ctx, frame, ticks) {
	ctx.fillStyle = COLOURS.grid;
	for (const t of ticks.ticks)
		ctx.fillRect(frame.gutter + Math.round(xAtTime(frame.view, t)), frame.axisHeight, 1, frame.height);
}

// Draws the GC cycles of each process as bands across its rows, and its discarded windows.
function drawProcessBands(ctx, frame, visible, counts) {
	const processes = new Set(visible.map((row) => row.process));
	const batch = new RectBatch();
	const selectedCycle = frame.selection.gcCycle;
	for (const process of processes) {
		const [first, end] = processRowRange(frame.layout, process);
		const rows = frame.layout.rows;
		const top = rowTop(frame, rows[first]) + rows[first].height;
		const bottom = rowTop(frame, rows[end - 1]) + rows[end - 1].height;
		if (bottom <= top)
			continue;
		for (const lane of process.gcLanes) {
			visitLane(lane, frame.view, (x0, x1, k, count) => {
				const selected = count === 1 && lane.items[k] === selectedCycle;
				const left = frame.gutter + x0;
				batch.add(selected ? COLOURS.gcBandSelected : COLOURS.gcBand, left, top,
					Math.max(1, x1 - x0), bottom - top);
				batch.add(COLOURS.gcTick, left, top - 4, Math.max(1, x1 - x0), 4);
				counts.gcBands += count;
			});
		}
		for (const window of process.discarded) {
			const x0 = xAtTime(frame.view, window.begin);
			const x1 = xAtTime(frame.view, window.end);
			if (x1 < 0 || x0 > frame.view.width)
				continue;
			batch.add(COLOURS.discarded, frame.gutter + x0, top, Math.max(2, x1 - x0), bottom - top);
			counts.discarded++;
		}
	}
	batch.flush(ctx);
}

function drawRow(ctx, frame, row, batch, overlays, counts) {
	const y = rowTop(frame, row);
	switch (row.type) {
	case 'process':
		batch.add(COLOURS.processHeader, frame.gutter, y, frame.view.width, row.height);
		break;
	case 'live_bytes':
		drawCounter(ctx, frame, row.process.liveBytes, y, row.height, COLOURS.liveBytes, counts, row.process.end);
		break;
	case 'pinned_bytes':
		drawCounter(ctx, frame, row.track.pinnedBytes, y, row.height, COLOURS.pinnedBytes, counts, row.track.end);
		break;
	case 'overflow':
		drawCounter(ctx, frame, row.track.overflow.density, y, row.height, COLOURS.overflow, counts, Infinity);
		outlineOverflowed(ctx, frame, row, y, overlays);
		break;
	case 'call':
		drawCallLane(ctx, frame, row, y, batch, overlays, counts);
		break;
	case 'allocation':
		drawAllocationLane(ctx, frame, row, y, batch, overlays, counts);
		break;
	default:
		break;
	}
}

// Draws a step function as an area up to time UNTIL, the end of its process or M. Each pixel
// column shows the maximum over its time range, so a short peak never disappears at any zoom.
function drawCounter(ctx, frame, series, y, height, colour, counts, until) {
	if (!series || series.peak <= 0)
		return;
	const { view } = frame;
	const scale = (height - 3) / series.peak;
	const bottom = y + height - 1;
	ctx.fillStyle = colour;
	ctx.beginPath();
	ctx.moveTo(frame.gutter, bottom);
	const last = Math.min(view.width, Math.ceil(xAtTime(view, until)));
	for (let x = 0; x < last; x++) {
		const value = series.maxOver(timeAtX(view, x), timeAtX(view, x + 1));
		ctx.lineTo(frame.gutter + x, bottom - value * scale);
		ctx.lineTo(frame.gutter + x + 1, bottom - value * scale);
	}
	ctx.lineTo(frame.gutter + Math.max(last, 0), bottom);
	ctx.closePath();
	ctx.fill();
	counts.counterColumns += view.width;
}

function drawCallLane(ctx, frame, row, y, batch, overlays, counts) {
	const { lane } = row;
	const calls = frame.model.report.calls;
	const labels = [];
	visitLane(lane, frame.view, (x0, x1, k, count) => {
		const colour = lane.marks[k] & MARK_CALLBACK ? COLOURS.callback : COLOURS.cgocall;
		const left = frame.gutter + Math.max(x0, -1);
		const right = frame.gutter + Math.min(x1, frame.view.width + 1);
		batch.add(colour, left, y + 1, Math.max(1, right - left), row.height - 2);
		if (lane.prefixMarked[k + count] > lane.prefixMarked[k]) {
			batch.add(COLOURS.anomaly, Math.max(left, right - 3), y + 1, Math.min(3, right - left + 1), row.height - 2);
			counts.anomalyMarks++;
		}
		if (count === 1 && right - left > 40)
			labels.push([left, right, lane.items[k]]);
		if (count === 1 && lane.items[k] === frame.selection.call)
			overlays.push(() => outline(ctx, left, y + 1, right - left, row.height - 2));
		counts.callSpans += count;
	});
	overlays.push(() => {
		ctx.fillStyle = COLOURS.callText;
		ctx.font = '10px system-ui, sans-serif';
		ctx.textBaseline = 'middle';
		for (const [left, right, index] of labels) {
			const fn = calls.fnOf(index);
			const kind = calls.kinds[calls.kind[index]];
			const text = fn === null ? kind : `${kind} ${fn}`;
			// A cut address would mislead, so a span too short for the whole label shows its
			// kind alone, or nothing.
			const fit = Math.floor((right - left - 6) / 5.6);
			let label = '';
			if (fit >= text.length)
				label = text;
			else if (fit >= kind.length)
				label = kind;
			if (label)
				ctx.fillText(label, Math.max(left, frame.gutter) + 3, y + row.height / 2);
		}
	});
}

function drawAllocationLane(ctx, frame, row, y, batch, overlays, counts) {
	const { lane } = row;
	const { kinds } = frame.model.alloc;
	const top = y + 1;
	const barHeight = row.height - 1;
	visitLane(lane, frame.view, (x0, x1, k, count) => {
		const left = frame.gutter + Math.max(x0, -1);
		const right = frame.gutter + Math.min(x1, frame.view.width + 1);
		const isCgo = kinds[lane.items[k]] === 0;
		const faded = count === 1 && (lane.marks[k] & MARK_UNCERTAIN) !== 0;
		if (count > 1 || right - left < 2) {
			const span = lane.prefixSpan[k + count] - lane.prefixSpan[k];
			const pinned = lane.prefixPinned[k + count] - lane.prefixPinned[k];
			const colour = pinned * 2 >= span && pinned > 0 ? COLOURS.pinned
				: isCgo ? COLOURS.collectable : COLOURS.live;
			batch.add(colour, left, top, Math.max(1, right - left), barHeight);
			counts.aggregatedColumns++;
		} else {
			const pinnedEnd = frame.gutter + Math.min(xAtTime(frame.view, lane.starts[k] + lane.prefixPinned[k + 1] - lane.prefixPinned[k]), frame.view.width + 1);
			if (pinnedEnd > left)
				batch.add(faded ? fade(COLOURS.pinned) : COLOURS.pinned, left, top, pinnedEnd - left, barHeight);
			if (right > pinnedEnd) {
				const rest = isCgo ? COLOURS.collectable : COLOURS.live;
				batch.add(faded ? fade(rest) : rest, Math.max(left, pinnedEnd), top, right - Math.max(left, pinnedEnd), barHeight);
			}
		}
		if (lane.prefixMarked[k + count] > lane.prefixMarked[k]) {
			batch.add(COLOURS.anomaly, left, top, Math.max(2, Math.min(right - left, 4)), barHeight);
			counts.anomalyMarks++;
		}
		counts.allocationBars += count;
	});
	const selected = frame.selection.allocation;
	if (selected >= 0 && frame.model.alloc.tracks[selected] === row.track) {
		const k = lane.find(frame.model.alloc.starts[selected], 0);
		if (k >= 0 && lane.items[k] === selected) {
			const left = frame.gutter + xAtTime(frame.view, lane.starts[k]);
			const right = frame.gutter + xAtTime(frame.view, lane.ends[k]);
			overlays.push(() => outline(ctx, left - 1, top - 1, Math.max(3, right - left + 2), barHeight + 2));
		}
	}
}

const fadedColours = new Map();

// Returns COLOUR (#rrggbb) mixed half with white, for uncertain records.
function fade(colour) {
	let faded = fadedColours.get(colour);
	if (!faded) {
		const channel = (offset) => Math.round((parseInt(colour.slice(offset, offset + 2), 16) + 255) / 2);
		faded = `rgb(${channel(1)}, ${channel(3)}, ${channel(5)})`;
		fadedColours.set(colour, faded);
	}
	return faded;
}

// Outlines the selected allocation over its track's overflow row when it lies there.
function outlineOverflowed(ctx, frame, row, y, overlays) {
	const { alloc } = frame.model;
	const selected = frame.selection.allocation;
	if (selected < 0 || !alloc.overflowed[selected] || alloc.tracks[selected] !== row.track)
		return;
	const left = frame.gutter + Math.max(-2, xAtTime(frame.view, alloc.starts[selected]));
	const right = frame.gutter + Math.min(frame.view.width + 2, xAtTime(frame.view, alloc.ends[selected]));
	if (right < frame.gutter || left > frame.gutter + frame.view.width)
		return;
	overlays.push(() => outline(ctx, left - 1, y, Math.max(3, right - left + 2), row.height - 1));
}

function outline(ctx, x, y, width, height) {
	ctx.strokeStyle = COLOURS.highlight;
	ctx.lineWidth = 2;
	ctx.strokeRect(x, y, width, height);
}

function drawSelection(ctx, frame) {
	const range = frame.selection.range;
	if (!range)
		return;
	const x0 = frame.gutter + xAtTime(frame.view, range[0]);
	const x1 = frame.gutter + xAtTime(frame.view, range[1]);
	ctx.fillStyle = COLOURS.selection;
	ctx.fillRect(x0, frame.axisHeight, Math.max(1, x1 - x0), frame.height);
	ctx.fillStyle = COLOURS.selectionEdge;
	ctx.fillRect(x0, frame.axisHeight, 1, frame.height);
	ctx.fillRect(x1, frame.axisHeight, 1, frame.height);
}

function drawGutter(ctx, frame, visible) {
	ctx.fillStyle = COLOURS.gutter;
	ctx.fillRect(0, frame.axisHeight, frame.gutter, frame.height);
	ctx.textBaseline = 'middle';
	for (const row of visible) {
		const y = rowTop(frame, row);
		const middle = y + row.height / 2;
		ctx.fillStyle = COLOURS.gutterText;
		if (row.type === 'process') {
			ctx.fillStyle = COLOURS.processHeader;
			ctx.fillRect(0, y, frame.gutter, row.height);
			ctx.fillStyle = COLOURS.gutterText;
			ctx.font = 'bold 12px system-ui, sans-serif';
			const marker = frame.collapsed && frame.collapsed.has(row.process.key) ? '▸' : '▾';
			ctx.fillText(clip(`${marker} ${row.process.label}`, frame.gutter - 8, 6.8), 4, middle);
		} else if (row.type === 'track') {
			ctx.font = 'bold 11px system-ui, sans-serif';
			const detail = row.track.detail ? ` · ${row.track.detail}` : '';
			// Spans of one depth that overlap more than the call lanes hold are not drawn.
			const hidden = row.track.callOverflow ? ` · ${row.track.callOverflow} calls not shown` : '';
			ctx.fillText(clip(`${row.track.label}${detail}${hidden}`, frame.gutter - 16, 6.2), 12, middle);
		} else if (row.type === 'live_bytes' || row.type === 'pinned_bytes') {
			const series = row.type === 'live_bytes' ? row.process.liveBytes : row.track.pinnedBytes;
			ctx.font = '10px system-ui, sans-serif';
			ctx.fillStyle = COLOURS.mutedText;
			// The report counts the allocations it traced: cgo ones always, managed ones with
			// alloc events, malloc with the malloc wrapper. The runtime's heap can be larger.
			const name = row.type === 'live_bytes' ? 'traced live bytes' : 'pinned bytes';
			ctx.fillText(clip(`${name} (max ${formatBytes(series.peak)})`, frame.gutter - 20, 5.6), 16, middle);
		} else if (row.type === 'call' && row.lane === row.track.callDepths.find((d) => d.depth === row.depth).lanes[0]) {
			ctx.font = '10px system-ui, sans-serif';
			ctx.fillStyle = COLOURS.mutedText;
			ctx.fillText(`calls, depth ${row.depth}`, 16, middle);
		} else if (row.type === 'allocation' && row.lane === row.track.allocLanes[0]) {
			ctx.font = '10px system-ui, sans-serif';
			ctx.fillStyle = COLOURS.mutedText;
			ctx.fillText(`lifetimes (${row.track.shownCount})`, 16, y + 5);
		} else if (row.type === 'overflow') {
			ctx.font = '10px system-ui, sans-serif';
			ctx.fillStyle = COLOURS.mutedText;
			ctx.fillText(`+${row.track.overflow.items.length} overlapping`, 16, middle);
		}
	}
	ctx.fillStyle = COLOURS.grid;
	ctx.fillRect(frame.gutter - 1, frame.axisHeight, 1, frame.height);
}

// Shortens TEXT to about MAX_WIDTH pixels at CHAR_WIDTH pixels per character.
function clip(text, maxWidth, charWidth) {
	const fit = Math.floor(maxWidth / charWidth);
	return text.length <= fit ? text : `${text.slice(0, Math.max(0, fit - 1))}…`;
}

function drawAxis(ctx, frame, ticks) {
	const { view, gutter, axisHeight } = frame;
	ctx.fillStyle = COLOURS.gutter;
	ctx.fillRect(0, 0, frame.width, axisHeight);
	ctx.fillStyle = COLOURS.grid;
	ctx.fillRect(0, axisHeight - 1, frame.width, 1);
	ctx.font = '11px system-ui, sans-serif';
	ctx.textBaseline = 'middle';
	ctx.fillStyle = COLOURS.gutterText;
	ticks.ticks.forEach((t, i) => {
		const x = gutter + Math.round(xAtTime(view, t));
		ctx.fillRect(x, axisHeight - 6, 1, 6);
		ctx.fillText(ticks.labels[i], x + 3, axisHeight / 2 - 2);
	});
	ctx.fillStyle = COLOURS.gutter;
	ctx.fillRect(0, 0, gutter, axisHeight);
	ctx.fillStyle = COLOURS.mutedText;
	ctx.fillText(ticks.baseLabel ? `offsets from ${ticks.baseLabel}` : 'time since origin', 6, axisHeight / 2 - 2);
}
