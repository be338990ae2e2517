// SPDX-License-Identifier: MIT
// The interactive timeline (render stage). It owns the canvas, the view and the vertical scroll,
// turns wheel, drag and keys into zoom, pan and range selection, and hit-tests the pointer.
// Changes request a redraw, and requestRender coalesces them into one per animation frame.

import { fitView, clampView, zoomAround, panBy, resizeView, timeAtX, xAtTime, formatTime } from './time.js';
import { layoutRows, rowAt } from './layout.js';
import { renderFrame, renderOverlay } from './render.js';
import { lowerBound, upperBound } from './lanes.js';

// Width of the track names on the left, and height of the time axis, in CSS pixels.
const GUTTER_WIDTH = 210;
const AXIS_HEIGHT = 26;
// Zoom factor of one wheel notch (deltaY of 100) and of one W or S key press.
const WHEEL_ZOOM_PER_100 = 1.35;
const KEY_ZOOM = 1.3;
// Pan step of one A or D key press, as a share of the view's width.
const KEY_PAN_SHARE = 0.15;
// A press that moves less than this many pixels before release is a click, not a drag.
const CLICK_SLOP_PX = 4;
// Pixels around the pointer that still hit a bar narrower than that.
const HIT_TOLERANCE_PX = 3;
// Frame times kept for the benchmark and the tests.
const FRAME_HISTORY = 240;

export class Timeline {
	constructor(canvas, overlay, scroller, spacer, callbacks) {
		this.canvas = canvas;
		this.overlay = overlay;
		this.overlayCtx = overlay.getContext('2d');
		this.overlayPending = false;
		this.scroller = scroller;
		this.spacer = spacer;
		this.callbacks = callbacks;
		this.ctx = canvas.getContext('2d', { alpha: false });
		this.model = null;
		this.layout = { rows: [], height: 0 };
		this.view = { start: 0, nsPerPx: 1, width: 1 };
		this.cssWidth = 1;
		this.cssHeight = 1;
		this.scrollTop = 0;
		this.selection = { range: null, allocation: -1, call: -1, gcCycle: -1 };
		this.collapsed = new Set();
		this.pointer = null;
		this.drag = null;
		this.pending = false;
		this.lastCounts = null;
		this.frameTimes = [];
		this.frames = 0;
		this.attachInput();
	}

	setModel(model) {
		this.model = model;
		this.collapsed.clear();
		this.selection = { range: null, allocation: -1, call: -1, gcCycle: -1 };
		this.resize();
		this.relayout();
		this.fitAll();
	}

	relayout() {
		this.layout = layoutRows(this.model, this.model.shownTracks, this.collapsed);
		this.spacer.style.height = `${this.layout.height + AXIS_HEIGHT}px`;
		this.setScrollTop(this.scrollTop);
		this.requestRender();
	}

	resize() {
		const rect = this.canvas.getBoundingClientRect();
		const ratio = window.devicePixelRatio || 1;
		this.cssWidth = Math.max(GUTTER_WIDTH + 10, Math.floor(rect.width));
		this.cssHeight = Math.max(AXIS_HEIGHT + 10, Math.floor(rect.height));
		for (const [canvas, ctx] of [[this.canvas, this.ctx], [this.overlay, this.overlayCtx]]) {
			canvas.width = Math.round(this.cssWidth * ratio);
			canvas.height = Math.round(this.cssHeight * ratio);
			ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
		}
		this.requestOverlay();
		this.view = resizeView(this.view, this.cssWidth - GUTTER_WIDTH);
		this.requestRender();
	}

	setView(view) {
		if (!this.model)
			return;
		this.view = clampView(view, this.model.begin, this.model.end);
		this.requestRender();
		// What lies under a pointer that stayed put changed with the view.
		if (this.pointer && !this.drag) {
			const { x } = this.pointer;
			const time = x >= GUTTER_WIDTH ? timeAtX(this.view, x - GUTTER_WIDTH) : null;
			this.callbacks.onHover(null, time, null);
		}
	}

	fitAll() {
		if (this.model)
			this.setView(fitView(this.model.begin, this.model.end, this.cssWidth - GUTTER_WIDTH));
	}

	fitRange(from, to) {
		this.setView(fitView(from, to, this.cssWidth - GUTTER_WIDTH));
	}

	// Centres the view on TIME, zoomed to show SPAN_NS, and scrolls ROW into view unless null.
	focus(time, spanNs, row) {
		this.fitRange(time - spanNs / 2, time + spanNs / 2);
		if (row && (row.y < this.scrollTop || row.y + row.height > this.scrollTop + this.cssHeight - AXIS_HEIGHT))
			this.setScrollTop(row.y - (this.cssHeight - AXIS_HEIGHT) / 3);
	}

	setScrollTop(value) {
		const max = Math.max(0, this.layout.height - (this.cssHeight - AXIS_HEIGHT));
		this.scrollTop = Math.min(Math.max(0, value), max);
		if (Math.abs(this.scroller.scrollTop - this.scrollTop) > 1)
			this.scroller.scrollTop = this.scrollTop;
		this.requestRender();
	}

	setSelection(changes) {
		Object.assign(this.selection, changes);
		this.requestRender();
	}

	requestRender() {
		if (this.pending)
			return;
		this.pending = true;
		requestAnimationFrame(() => {
			this.pending = false;
			this.render();
		});
	}

	requestOverlay() {
		if (this.overlayPending)
			return;
		this.overlayPending = true;
		requestAnimationFrame(() => {
			this.overlayPending = false;
			const inTimeArea = this.pointer && this.pointer.x >= GUTTER_WIDTH;
			renderOverlay(this.overlayCtx, { width: this.cssWidth, height: this.cssHeight, gutter: GUTTER_WIDTH, axisHeight: AXIS_HEIGHT },
				inTimeArea ? this.pointer.x - GUTTER_WIDTH : null);
		});
	}

	render() {
		if (!this.model)
			return;
		const begin = performance.now();
		this.lastCounts = renderFrame(this.ctx, {
			model: this.model, layout: this.layout, view: this.view, scrollTop: this.scrollTop,
			width: this.cssWidth, height: this.cssHeight, gutter: GUTTER_WIDTH, axisHeight: AXIS_HEIGHT,
			selection: this.selection, collapsed: this.collapsed,
		});
		this.frameTimes.push(performance.now() - begin);
		if (this.frameTimes.length > FRAME_HISTORY)
			this.frameTimes.shift();
		this.frames++;
	}

	// ---- Hit testing ----

	// Returns what lies under canvas position (X, Y) in CSS pixels: {type, ...} or null.
	hitTest(x, y) {
		if (!this.model || y < AXIS_HEIGHT)
			return null;
		const row = rowAt(this.layout, y - AXIS_HEIGHT + this.scrollTop);
		if (!row)
			return null;
		if (row.type === 'process' && x < GUTTER_WIDTH)
			return { type: 'process', process: row.process, row };
		if (x < GUTTER_WIDTH)
			return null;
		const time = timeAtX(this.view, x - GUTTER_WIDTH);
		const tolerance = HIT_TOLERANCE_PX * this.view.nsPerPx;
		const hit = this.hitRow(row, time, tolerance);
		if (hit)
			return { ...hit, time, row };
		for (const lane of row.process.gcLanes) {
			const k = lane.find(time, tolerance);
			if (k >= 0)
				return { type: 'gc', index: lane.items[k], time, row };
		}
		const lost = row.process.discarded.find((window) => window.begin - tolerance <= time && time <= window.end + tolerance);
		if (lost)
			return { type: 'discarded', window: lost, time, row };
		return null;
	}

	hitRow(row, time, tolerance) {
		switch (row.type) {
		case 'allocation':
		case 'call': {
			const lane = row.lane;
			const k = lane.find(time, tolerance);
			if (k < 0)
				return null;
			// Several records near the pointer, the nearest narrower than two pixels, look
			// like one aggregated column. The tooltip gives their count, and a click selects
			// the nearest.
			const count = upperBound(lane.starts, time + tolerance) - lowerBound(lane.ends, time - tolerance);
			if (count > 1 && lane.ends[k] - lane.starts[k] < 2 * this.view.nsPerPx)
				return { type: 'aggregate', count, what: row.type === 'call' ? 'calls' : 'allocations', index: lane.items[k], kind: row.type };
			return { type: row.type, index: lane.items[k] };
		}
		case 'live_bytes':
			return { type: 'counter', name: 'live bytes of the traced allocations', time, value: row.process.liveBytes.valueAt(time) };
		case 'pinned_bytes':
			return { type: 'counter', name: 'pinned bytes', time, value: row.track.pinnedBytes.valueAt(time) };
		case 'overflow':
			return { type: 'overflow', track: row.track, value: row.track.overflow.density.valueAt(time) };
		default:
			return null;
		}
	}

	// Returns the canvas position (CSS pixels) of the middle of allocation INDEX's bar when it is
	// laid out and in view, else null. Tests and the benchmark use it to click real bars.
	locateAllocation(index) {
		const row = this.rowOfAllocation(index);
		if (!row || row.type !== 'allocation')
			return null;
		return this.locateInRow(row, this.model.alloc.starts[index], this.model.alloc.ends[index]);
	}

	// Returns the canvas position (CSS pixels) of the middle of allocation INDEX's span over its
	// track's overflow row when it lies there and in view, else null.
	locateOverflowed(index) {
		const row = this.rowOfAllocation(index);
		if (!row || row.type !== 'overflow')
			return null;
		return this.locateInRow(row, this.model.alloc.starts[index], this.model.alloc.ends[index]);
	}

	locateCall(index) {
		const row = this.rowOfCall(index);
		return row ? this.locateInRow(row, this.model.call.starts[index], this.model.call.ends[index]) : null;
	}

	// Returns the lifetime row that draws allocation INDEX, its track's overflow row when it lies
	// there, or null when its track is hidden or folded.
	rowOfAllocation(index) {
		const start = this.model.alloc.starts[index];
		const track = this.model.alloc.tracks[index];
		const rows = this.layout.rows.filter((row) => row.track === track);
		return rows.find((row) => row.type === 'allocation' && laneIndexOf(row.lane, start, index) >= 0) ||
			rows.find((row) => row.type === 'overflow') || null;
	}

	// Returns the call row that draws call INDEX, or null.
	rowOfCall(index) {
		const start = this.model.call.starts[index];
		return this.layout.rows.find((row) => row.type === 'call' && laneIndexOf(row.lane, start, index) >= 0) || null;
	}

	// Unfolds PROCESS when its header folded it.
	unfoldProcess(process) {
		if (this.collapsed.delete(process.key))
			this.relayout();
	}

	locateInRow(row, start, end) {
		const y = AXIS_HEIGHT + row.y - this.scrollTop + row.height / 2;
		const x0 = Math.max(0, xAtTime(this.view, start));
		const x1 = Math.min(this.view.width, xAtTime(this.view, end));
		if (x1 < 0 || x0 > this.view.width || y < AXIS_HEIGHT || y > this.cssHeight)
			return null;
		return { x: GUTTER_WIDTH + (x0 + x1) / 2, y };
	}

	// ---- Input ----

	attachInput() {
		const canvas = this.canvas;
		canvas.addEventListener('wheel', (event) => this.onWheel(event), { passive: false });
		canvas.addEventListener('pointerdown', (event) => this.onPointerDown(event));
		canvas.addEventListener('pointermove', (event) => this.onPointerMove(event));
		canvas.addEventListener('pointerup', (event) => this.onPointerUp(event));
		canvas.addEventListener('pointerleave', () => {
			this.pointer = null;
			this.callbacks.onHover(null, null);
			this.requestOverlay();
		});
		this.scroller.addEventListener('scroll', () => this.setScrollTop(this.scroller.scrollTop));
		new ResizeObserver(() => this.resize()).observe(canvas);
	}

	localPosition(event) {
		const rect = this.canvas.getBoundingClientRect();
		return { x: event.clientX - rect.left, y: event.clientY - rect.top };
	}

	onWheel(event) {
		if (!this.model)
			return;
		event.preventDefault();
		const { x } = this.localPosition(event);
		// Wheel deltas come in pixels, lines or pages; a line is about 33 pixels in Chromium.
		let scale = 1;
		if (event.deltaMode === WheelEvent.DOM_DELTA_LINE)
			scale = 33;
		else if (event.deltaMode === WheelEvent.DOM_DELTA_PAGE)
			scale = this.cssHeight;
		const dx = event.deltaX * scale;
		const dy = event.deltaY * scale;
		if (event.altKey || x < GUTTER_WIDTH) {
			this.setScrollTop(this.scrollTop + dy);
		} else if (event.shiftKey || Math.abs(dx) > Math.abs(dy)) {
			this.setView(panBy(this.view, dx || dy));
		} else if (dy !== 0) {
			this.setView(zoomAround(this.view, x - GUTTER_WIDTH, WHEEL_ZOOM_PER_100 ** (-dy / 100)));
		}
	}

	onPointerDown(event) {
		if (!this.model || event.button !== 0)
			return;
		const position = this.localPosition(event);
		this.canvas.setPointerCapture(event.pointerId);
		this.drag = {
			x: position.x, y: position.y, moved: false, view: this.view, scrollTop: this.scrollTop,
			selecting: event.shiftKey && position.x >= GUTTER_WIDTH,
		};
	}

	onPointerMove(event) {
		const position = this.localPosition(event);
		this.pointer = position;
		const drag = this.drag;
		if (drag) {
			const dx = position.x - drag.x;
			const dy = position.y - drag.y;
			if (Math.abs(dx) + Math.abs(dy) >= CLICK_SLOP_PX)
				drag.moved = true;
			if (drag.moved && drag.selecting) {
				const a = timeAtX(this.view, drag.x - GUTTER_WIDTH);
				const b = timeAtX(this.view, Math.max(GUTTER_WIDTH, position.x) - GUTTER_WIDTH);
				this.setSelection({ range: [Math.round(Math.min(a, b)), Math.round(Math.max(a, b))] });
			} else if (drag.moved) {
				this.canvas.classList.add('panning');
				this.setView(panBy(drag.view, -dx));
				this.setScrollTop(drag.scrollTop - dy);
			}
		}
		const time = position.x >= GUTTER_WIDTH ? timeAtX(this.view, position.x - GUTTER_WIDTH) : null;
		this.callbacks.onHover(drag && drag.moved ? null : this.hitTest(position.x, position.y), time, event);
		this.requestOverlay();
	}

	onPointerUp(event) {
		const drag = this.drag;
		this.drag = null;
		this.canvas.classList.remove('panning');
		if (!drag)
			return;
		if (drag.moved && drag.selecting && this.selection.range)
			this.callbacks.onRangeSelect(this.selection.range);
		if (!drag.moved) {
			const position = this.localPosition(event);
			this.callbacks.onClick(this.hitTest(position.x, position.y));
		}
	}

	// Handles a key press; returns whether it was one of the timeline's keys.
	onKey(event) {
		if (!this.model)
			return false;
		const x = this.pointer && this.pointer.x >= GUTTER_WIDTH ? this.pointer.x - GUTTER_WIDTH : this.view.width / 2;
		switch (event.key.toLowerCase()) {
		case 'w':
			this.setView(zoomAround(this.view, x, KEY_ZOOM));
			return true;
		case 's':
			this.setView(zoomAround(this.view, x, 1 / KEY_ZOOM));
			return true;
		case 'a':
			this.setView(panBy(this.view, -KEY_PAN_SHARE * this.view.width));
			return true;
		case 'd':
			this.setView(panBy(this.view, KEY_PAN_SHARE * this.view.width));
			return true;
		case 'f':
			if (this.selection.range)
				this.fitRange(this.selection.range[0], this.selection.range[1]);
			else
				this.fitAll();
			return true;
		case '0':
			this.fitAll();
			return true;
		default:
			return false;
		}
	}

	toggleProcess(process) {
		if (this.collapsed.has(process.key))
			this.collapsed.delete(process.key);
		else
			this.collapsed.add(process.key);
		this.relayout();
	}

	describeView() {
		return `${formatTime(this.view.start, this.view.nsPerPx)} to ${formatTime(this.view.start + this.view.nsPerPx * this.view.width, this.view.nsPerPx)}`;
	}
}

// Returns the position of record ITEM, which starts at START, in LANE, or -1.
function laneIndexOf(lane, start, item) {
	for (let k = lowerBound(lane.starts, start); k < lane.length && lane.starts[k] === start; k++) {
		if (lane.items[k] === item)
			return k;
	}
	return -1;
}
