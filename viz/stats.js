// SPDX-License-Identifier: MIT
// Summary numbers for the panels (after index, beside render): counts and bytes by kind and
// state, log-scale histograms of lifetimes and pinned durations, and the heaviest Ms, computed
// over the allocations that the filter shows.

import { KINDS, STATES, OTHER_CODE } from './model.js';

// Histogram bins per power of ten of nanoseconds.
const BINS_PER_DECADE = 2;

// Returns the bin of a duration. Bin 0 is [0, 10^(1/BINS_PER_DECADE)) ns.
function binOf(ns) {
	return ns < 1 ? 0 : Math.floor(Math.log10(ns) * BINS_PER_DECADE + 1e-9);
}

function binLowerBound(bin) {
	return bin === 0 ? 0 : 10 ** (bin / BINS_PER_DECADE);
}

// Returns a log-scale histogram of DURATIONS (nanoseconds): {bins: [{from, to, count}], count},
// from the lowest to the highest bin that has a value, with empty bins in between.
export function logHistogram(durations) {
	const counts = new Map();
	let lowest = Infinity;
	let highest = -Infinity;
	for (const ns of durations) {
		const bin = binOf(ns);
		counts.set(bin, (counts.get(bin) || 0) + 1);
		lowest = Math.min(lowest, bin);
		highest = Math.max(highest, bin);
	}
	const bins = [];
	for (let bin = lowest; bin <= highest; bin++)
		bins.push({ from: binLowerBound(bin), to: binLowerBound(bin + 1), count: counts.get(bin) || 0 });
	return { bins, count: durations.length };
}

function countBytes() {
	return { count: 0, bytes: 0 };
}

// Returns the statistics of the allocations of MODEL that model.visible shows.
export function computeStats(model) {
	const records = model.report.allocations;
	const { kinds, states, tracks } = model.alloc;
	const byKind = new Map([...KINDS, 'other'].map((kind) => [kind, {
		...countBytes(), byState: new Map([...STATES, 'other'].map((state) => [state, countBytes()])),
	}]));
	const total = countBytes();
	const lifetimes = [];
	const pinned = [];
	const perTrack = new Map();

	const cgo = KINDS.indexOf('cgo');
	for (let i = 0; i < records.length; i++) {
		if (!model.visible[i])
			continue;
		const size = records.size[i];
		const kind = byKind.get(kinds[i] === OTHER_CODE ? 'other' : KINDS[kinds[i]]);
		const state = kind.byState.get(states[i] === OTHER_CODE ? 'other' : STATES[states[i]]);
		for (const bucket of [total, kind, state]) {
			bucket.count++;
			bucket.bytes += size;
		}
		// NaN stands for null in the table, and every comparison with NaN is false.
		const allocated = records.alloc[i];
		const freed = records.free[i];
		if (!Number.isNaN(allocated) && !Number.isNaN(freed))
			lifetimes.push(freed - allocated);
		if (kinds[i] === cgo && !Number.isNaN(allocated)) {
			const released = records.release[i];
			const left = Math.min(Number.isNaN(released) ? Infinity : released,
				Number.isNaN(freed) ? Infinity : freed);
			if (left !== Infinity)
				pinned.push(left - allocated);
		}
		const perM = perTrack.get(tracks[i]) || countBytes();
		perM.count++;
		perM.bytes += size;
		perTrack.set(tracks[i], perM);
	}

	const heaviest = [...perTrack.entries()].map(([track, sums]) => ({
		track, count: sums.count, bytes: sums.bytes,
		peakPinned: track.pinnedBytes ? track.pinnedBytes.peak : null,
	}));
	heaviest.sort((a, b) => (b.peakPinned || 0) - (a.peakPinned || 0) || b.bytes - a.bytes ||
		a.track.index - b.track.index);

	return {
		total, byKind,
		lifetimes: logHistogram(lifetimes),
		pinned: logHistogram(pinned),
		heaviest: heaviest.slice(0, 8),
	};
}
