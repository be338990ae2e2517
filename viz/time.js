// SPDX-License-Identifier: MIT
// All time arithmetic of the viewer (used by render and panels): times are integer nanoseconds
// relative to the report's origin, views map them to canvas pixels, and this module formats
// them, picks axis ticks and parses durations typed into filters.

// Units from the largest down; `ns` is the size of one unit in nanoseconds.
const TIME_UNITS = [
	{ name: 's', ns: 1e9 },
	{ name: 'ms', ns: 1e6 },
	{ name: 'µs', ns: 1e3 },
	{ name: 'ns', ns: 1 },
];

// Narrowest view, so that integer nanoseconds stay several pixels apart.
export const MIN_VIEW_SPAN_NS = 200;

function timeUnitFor(ns) {
	const magnitude = Math.abs(ns);
	for (const unit of TIME_UNITS) {
		if (magnitude >= unit.ns)
			return unit;
	}
	return TIME_UNITS[TIME_UNITS.length - 1];
}

// Returns how many decimals show VALUE (at least 1 in magnitude) with three significant digits.
export function decimalsForThreeDigits(value) {
	const magnitude = Math.abs(value);
	if (magnitude >= 100)
		return 0;
	return magnitude >= 10 ? 1 : 2;
}

// Formats a duration with three significant digits ("1.23 ms"); null reads as "—" (not reached).
export function formatDuration(ns) {
	if (ns === null || ns === undefined || Number.isNaN(ns))
		return '—';
	if (ns === 0)
		return '0 ns';
	const unit = timeUnitFor(ns);
	const value = ns / unit.ns;
	if (unit.ns === 1)
		return `${Math.round(value)} ns`;
	return `${value.toFixed(decimalsForThreeDigits(value))} ${unit.name}`;
}

// Formats a relative time in the unit of its magnitude, with enough decimals to tell apart two
// times RESOLUTION_NS apart: formatTime(1234567890, 1000) is "1.234568 s".
export function formatTime(ns, resolutionNs = 1) {
	if (ns === null || ns === undefined || Number.isNaN(ns))
		return '—';
	const unit = timeUnitFor(ns);
	const resolution = Math.max(1, resolutionNs);
	const decimals = Math.max(0, Math.ceil(Math.log10(unit.ns / resolution) - 1e-9));
	return `${(ns / unit.ns).toFixed(decimals)} ${unit.name}`;
}

// Formats ORIGIN (absolute nanoseconds since the Unix epoch, a decimal string) plus the relative
// time NS as an ISO 8601 UTC date with nanoseconds, using BigInt so no digit is lost.
export function formatAbsolute(origin, ns) {
	if (ns === null || ns === undefined)
		return '—';
	const absolute = BigInt(origin) + BigInt(Math.round(ns));
	const billion = 1000000000n;
	let seconds = absolute / billion;
	let fraction = absolute % billion;
	if (fraction < 0n) {
		fraction += billion;
		seconds -= 1n;
	}
	const date = new Date(Number(seconds) * 1000);
	if (Number.isNaN(date.getTime()))
		return `${absolute} ns`;
	const day = date.toISOString().slice(0, 19);
	return `${day}.${fraction.toString().padStart(9, '0')}Z`;
}

// Returns the smallest step of 1, 2 or 5 times a power of ten nanoseconds that is at least
// MIN_STEP_NS, and never below 1 ns.
export function niceStep(minStepNs) {
	if (!(minStepNs > 1))
		return 1;
	let power = 10 ** Math.floor(Math.log10(minStepNs));
	for (;;) {
		for (const factor of [1, 2, 5]) {
			if (factor * power >= minStepNs)
				return factor * power;
		}
		power *= 10;
	}
}

// Ticks whose labels would exceed this many steps from zero are labelled as offsets from a base
// time instead, so that a label never needs more than about seven digits.
const AXIS_OFFSET_LABEL_STEPS = 1e6;
// The base of offset labels is a multiple of this many steps.
const AXIS_BASE_STEPS = 1e4;

// Returns the axis ticks of VIEW at least MIN_SPACING_PX apart: {step, ticks, labels, base,
// baseLabel}. Ticks are integer multiples of step. When base is not null, each label is an
// offset from base and baseLabel names base.
export function axisTicks(view, minSpacingPx = 90) {
	const startNs = view.start;
	const endNs = view.start + view.nsPerPx * view.width;
	const step = niceStep(view.nsPerPx * minSpacingPx);
	const ticks = [];
	for (let k = Math.ceil(startNs / step); k * step <= endNs; k++)
		ticks.push(k * step);

	const farthest = Math.max(Math.abs(startNs), Math.abs(endNs));
	if (farthest / step < AXIS_OFFSET_LABEL_STEPS) {
		const labels = ticks.map((t) => formatTime(t, step));
		return { step, ticks, labels, base: null, baseLabel: null };
	}
	const baseSpan = step * AXIS_BASE_STEPS;
	const base = Math.floor(startNs / baseSpan) * baseSpan;
	const labels = ticks.map((t) => `+${formatTime(t - base, step)}`);
	return { step, ticks, labels, base, baseLabel: formatTime(base, step) };
}

const DURATION_UNITS = new Map([
	['', 1], ['ns', 1], ['us', 1e3], ['µs', 1e3], ['μs', 1e3], ['ms', 1e6], ['s', 1e9],
	['min', 60e9],
]);

// Parses a duration typed by a user ("250us", "1.5 ms", "3 s", a bare number is nanoseconds)
// into integer nanoseconds. Returns null for an empty string, and throws RangeError naming the
// text when it is not a duration.
export function parseDuration(text) {
	const trimmed = String(text).trim();
	if (trimmed === '')
		return null;
	const match = /^([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-zµμ]*)$/i.exec(trimmed);
	const scale = match ? DURATION_UNITS.get(match[2].toLowerCase()) : undefined;
	if (!match || scale === undefined) {
		throw new RangeError(`"${trimmed}" is not a duration: write a number of nanoseconds, or ` +
			'one with a unit ns, us, ms, s or min, for example 250us');
	}
	return Math.round(Number(match[1]) * scale);
}

// ---- Views: the mapping from relative time to canvas pixels ----
// A view is {start, nsPerPx, width}: the time at pixel 0, nanoseconds per CSS pixel, and the
// width in CSS pixels of the time area. start may be fractional; times it maps back are not
// rounded, because they only select what to draw.

export function timeAtX(view, x) {
	return view.start + x * view.nsPerPx;
}

export function xAtTime(view, ns) {
	return (ns - view.start) / view.nsPerPx;
}

export function viewEnd(view) {
	return view.start + view.nsPerPx * view.width;
}

// Returns the view of WIDTH pixels that shows [BEGIN, END] with a small margin on each side.
export function fitView(begin, end, width) {
	const span = Math.max(end - begin, MIN_VIEW_SPAN_NS);
	const margin = span * 0.02;
	const nsPerPx = (span + 2 * margin) / Math.max(width, 1);
	return { start: begin - margin, nsPerPx, width };
}

// Keeps VIEW on the report's extent [BEGIN, END]. The middle of the view stays inside the
// extent, and the view is no narrower than MIN_VIEW_SPAN_NS and no wider than one and a half
// extents.
export function clampView(view, begin, end) {
	const extent = Math.max(end - begin, MIN_VIEW_SPAN_NS);
	const width = Math.max(view.width, 1);
	const nsPerPx = Math.min(Math.max(view.nsPerPx, MIN_VIEW_SPAN_NS / width), (1.5 * extent) / width);
	const span = nsPerPx * width;
	const start = Math.min(Math.max(view.start, begin - span / 2), end - span / 2);
	return { start, nsPerPx, width: view.width };
}

// Zooms by FACTOR (above 1 zooms in) around pixel X, so the time under X stays under X.
export function zoomAround(view, x, factor) {
	const pinned = timeAtX(view, x);
	const nsPerPx = view.nsPerPx / factor;
	return { start: pinned - x * nsPerPx, nsPerPx, width: view.width };
}

// Pans by DX_PX pixels: a positive value moves the view to later times.
export function panBy(view, dxPx) {
	return { start: view.start + dxPx * view.nsPerPx, nsPerPx: view.nsPerPx, width: view.width };
}

// Returns VIEW resized to WIDTH pixels, showing the same time span from the same start.
export function resizeView(view, width) {
	const span = view.nsPerPx * view.width;
	return { start: view.start, nsPerPx: span / Math.max(width, 1), width };
}
