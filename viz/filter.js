// SPDX-License-Identifier: MIT
// Filters between index and render: decides which allocations and tracks are shown, from the
// settings of the filter panel, and packs the shown lifetimes into lanes again.

import { MARK_ANOMALY } from './lanes.js';
import { KINDS, STATES, relayoutAllocations } from './model.js';

// A filter that shows everything. Sets are null when they do not restrict; bounds are null when
// absent. Lifetimes are measured as drawn: up to the end of the process when never freed.
export function emptyFilter() {
	return {
		processes: null, tracks: null, kinds: null, states: null,
		sizeMin: null, sizeMax: null, lifetimeMin: null, lifetimeMax: null, anomaliesOnly: false,
	};
}

export function isEmptyFilter(filter) {
	return Object.entries(emptyFilter()).every(([key, value]) => filter[key] === value);
}

// Returns whether TRACK passes the process and track settings of FILTER.
export function isTrackShown(filter, track) {
	if (filter.processes && !filter.processes.has(track.process.key))
		return false;
	return !filter.tracks || filter.tracks.has(track.key);
}

// Sets model.visible from FILTER, repacks the lanes, and returns how many allocations are shown.
export function applyFilter(model, filter) {
	const { starts, ends, kinds, states, marks, tracks } = model.alloc;
	const sizes = model.report.allocations.size;
	const kindCodes = filter.kinds ? new Set([...filter.kinds].map((k) => KINDS.indexOf(k))) : null;
	const stateCodes = filter.states ? new Set([...filter.states].map((s) => STATES.indexOf(s))) : null;
	const trackShown = new Map(model.tracks.map((track) => [track, isTrackShown(filter, track)]));
	let shown = 0;
	for (let i = 0; i < model.alloc.count; i++) {
		const size = sizes[i];
		const lifetime = ends[i] - starts[i];
		const pass = trackShown.get(tracks[i]) &&
			(!kindCodes || kindCodes.has(kinds[i])) &&
			(!stateCodes || stateCodes.has(states[i])) &&
			(filter.sizeMin === null || size >= filter.sizeMin) &&
			(filter.sizeMax === null || size <= filter.sizeMax) &&
			(filter.lifetimeMin === null || lifetime >= filter.lifetimeMin) &&
			(filter.lifetimeMax === null || lifetime <= filter.lifetimeMax) &&
			(!filter.anomaliesOnly || (marks[i] & MARK_ANOMALY) !== 0);
		model.visible[i] = pass ? 1 : 0;
		shown += pass ? 1 : 0;
	}
	model.shownTracks = model.tracks.filter((track) => trackShown.get(track));
	relayoutAllocations(model);
	return shown;
}
