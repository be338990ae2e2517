// SPDX-License-Identifier: MIT
// Render stage, vertical part (load → index → render): stacks the rows of the timeline and finds
// the row under a pointer. Each process is a group with its live-bytes counter and one track per
// M or thread. Heights are CSS pixels.

// Row heights, chosen so that a group of a few Ms fits a laptop screen.
export const ROW_HEIGHT = {
	processHeader: 22,
	liveBytes: 34,
	trackHeader: 16,
	pinnedBytes: 22,
	call: 14,
	allocation: 7,
	overflow: 16,
	trackGap: 6,
};

// Returns {rows, height}: rows in drawing order, each {type, y, height, process, track, lane,
// depth}, for the processes and tracks that SHOWN_TRACKS lists. Types: process, live_bytes,
// track, pinned_bytes, call, allocation, overflow. COLLAPSED is a Set of process keys whose
// tracks are hidden.
export function layoutRows(model, shownTracks, collapsed) {
	const rows = [];
	let y = 0;
	const add = (row, height) => {
		rows.push({ process: null, track: null, lane: null, depth: null, ...row, y, height });
		y += height;
	};
	const shown = new Set(shownTracks);
	for (const process of model.processes) {
		const tracks = process.tracks.filter((track) => shown.has(track));
		if (tracks.length === 0)
			continue;
		add({ type: 'process', process }, ROW_HEIGHT.processHeader);
		if (collapsed.has(process.key))
			continue;
		if (process.liveBytes)
			add({ type: 'live_bytes', process }, ROW_HEIGHT.liveBytes);
		for (const track of tracks)
			layoutTrack(track, add);
	}
	return { rows, height: y };
}

function layoutTrack(track, add) {
	const process = track.process;
	add({ type: 'track', process, track }, ROW_HEIGHT.trackHeader);
	if (track.pinnedBytes)
		add({ type: 'pinned_bytes', process, track }, ROW_HEIGHT.pinnedBytes);
	for (const { depth, lanes } of track.callDepths) {
		for (const lane of lanes)
			add({ type: 'call', process, track, lane, depth }, ROW_HEIGHT.call);
	}
	for (const lane of track.allocLanes)
		add({ type: 'allocation', process, track, lane }, ROW_HEIGHT.allocation);
	if (track.overflow)
		add({ type: 'overflow', process, track }, ROW_HEIGHT.overflow);
	add({ type: 'gap', process, track }, ROW_HEIGHT.trackGap);
}

// Returns the row that contains the vertical position Y, or null.
export function rowAt(layout, y) {
	const rows = layout.rows;
	let lo = 0;
	let hi = rows.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (rows[mid].y + rows[mid].height <= y)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < rows.length && rows[lo].y <= y ? rows[lo] : null;
}

// Returns the rows of PROCESS (its header and everything below it), as [first, end) indexes.
export function processRowRange(layout, process) {
	const first = layout.rows.findIndex((row) => row.process === process);
	if (first < 0)
		return [0, 0];
	let end = first;
	while (end < layout.rows.length && layout.rows[end].process === process)
		end++;
	return [first, end];
}
