// SPDX-License-Identifier: MIT
// Index stage (load → index → render): sorting, packing intervals into lanes, and the level of
// detail that render uses. With it, drawing a frame costs about one binary search per pixel
// column and lane, however many records fall in the view.

// Returns the indexes 0..n-1 ordered by KEYS[i] ascending (stable), for non-negative integer keys
// below 2^53, as a Uint32Array. It is an LSD radix sort on 16-bit digits: a comparison sort of a
// million indexes takes several times longer in V8. Keys below 2^32, the usual case for
// relative times under four seconds and always for counts, take a faster path with bit
// operations on 32-bit integers.
export function argsortByKey(keys) {
	const n = keys.length;
	let max = 0;
	for (let i = 0; i < n; i++) {
		if (keys[i] > max)
			max = keys[i];
	}
	let order = new Uint32Array(n);
	for (let i = 0; i < n; i++)
		order[i] = i;
	if (max < 2 ** 32) {
		const keys32 = keys instanceof Uint32Array ? keys : new Uint32Array(keys);
		for (let shift = 0; shift === 0 || (shift < 32 && max >= 2 ** shift); shift += 16)
			order = radixPass(order, (index) => (keys32[index] >>> shift) & 0xffff);
		return order;
	}
	for (let shift = 0; shift === 0 || max >= 2 ** shift; shift += 16) {
		const divisor = 2 ** shift;
		order = radixPass(order, (index) => Math.floor(keys[index] / divisor) % 65536);
	}
	return order;
}

// Returns ORDER stably sorted by the 16-bit digit DIGIT_OF(index).
function radixPass(order, digitOf) {
	const n = order.length;
	const counts = new Uint32Array(65536);
	for (let i = 0; i < n; i++)
		counts[digitOf(order[i])]++;
	let sum = 0;
	for (let d = 0; d < 65536; d++) {
		const c = counts[d];
		counts[d] = sum;
		sum += c;
	}
	const sorted = new Uint32Array(n);
	for (let i = 0; i < n; i++) {
		const index = order[i];
		sorted[counts[digitOf(index)]++] = index;
	}
	return sorted;
}

// Returns the indexes 0..n-1 grouped by GROUPS[i] (small integers below GROUP_COUNT), keeping
// the order of ORDER inside each group, and where each group starts: {order, offsets}, with
// group g at order[offsets[g]..offsets[g + 1]).
export function groupIndexes(order, groups, groupCount) {
	const offsets = new Uint32Array(groupCount + 1);
	for (let i = 0; i < order.length; i++)
		offsets[groups[order[i]] + 1]++;
	for (let g = 0; g < groupCount; g++)
		offsets[g + 1] += offsets[g];
	const next = offsets.slice(0, groupCount);
	const grouped = new Uint32Array(order.length);
	for (let i = 0; i < order.length; i++)
		grouped[next[groups[order[i]]]++] = order[i];
	return { order: grouped, offsets };
}

// Returns the first index i in the ascending array VALUES with values[i] >= target (or length).
export function lowerBound(values, target, from = 0, to = values.length) {
	let lo = from;
	let hi = to;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (values[mid] < target)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

// Returns the first index i in the ascending array VALUES with values[i] > target (or length).
export function upperBound(values, target, from = 0, to = values.length) {
	let lo = from;
	let hi = to;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (values[mid] <= target)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

// Intervals that do not overlap, sorted by start, so their ends ascend too and both can be
// searched. items[k] is the record index of interval k, and marks[k] contains the MARK_* bits that
// render colours by. `pinnedNs`, when given, is the pinned part of each interval. The prefix
// sums let an aggregated pixel column read its totals in constant time.
export class Lane {
	constructor(starts, ends, items, marks, pinnedNs) {
		this.starts = starts;
		this.ends = ends;
		this.items = items;
		this.marks = marks;
		const n = starts.length;
		this.prefixSpan = new Float64Array(n + 1);
		this.prefixPinned = new Float64Array(n + 1);
		this.prefixMarked = new Uint32Array(n + 1);
		for (let k = 0; k < n; k++) {
			this.prefixSpan[k + 1] = this.prefixSpan[k] + (ends[k] - starts[k]);
			this.prefixPinned[k + 1] = this.prefixPinned[k] + (pinnedNs ? pinnedNs[k] : 0);
			this.prefixMarked[k + 1] = this.prefixMarked[k] + (marks[k] & MARK_ANOMALY ? 1 : 0);
		}
	}

	get length() {
		return this.starts.length;
	}

	// Returns the index of the interval that contains TIME within TOLERANCE_NS, the nearest one
	// when several do, or -1.
	find(time, toleranceNs) {
		let k = lowerBound(this.ends, time - toleranceNs);
		let best = -1;
		let bestDistance = Infinity;
		for (; k < this.length && this.starts[k] <= time + toleranceNs; k++) {
			const distance = time < this.starts[k] ? this.starts[k] - time
				: time > this.ends[k] ? time - this.ends[k] : 0;
			if (distance < bestDistance) {
				best = k;
				bestDistance = distance;
			}
		}
		return best;
	}
}

// Mark bits of lane intervals.
export const MARK_ANOMALY = 1;
export const MARK_UNCERTAIN = 2;

// Packs the intervals ORDER (record indexes sorted by start) with STARTS and ENDS (indexed by
// record) into at most MAX_LANES lanes. Returns {lanes: [[record index, ...], ...], overflow}:
// each lane in start order, and the intervals that fit in no lane (record indexes in start
// order). A record whose end equals the next one's start shares its lane.
//
// With a limit, it places as many intervals as the lanes can hold: in order of their ends, each
// goes to the lane that became free latest before it starts, which is optimal for that count.
// Short lifetimes thus fill the lanes, and the long ones that would block a lane for the whole
// run go to the overflow. Without a limit it packs first fit in start order, which uses the
// fewest lanes.
export function packLanes(order, starts, ends, maxLanes) {
	if (maxLanes === Infinity)
		return packFirstFit(order, starts, ends);
	const n = order.length;
	const endOf = (index) => Math.max(ends[index], starts[index]);
	const keys = new Float64Array(n);
	for (let k = 0; k < n; k++)
		keys[k] = endOf(order[k]);
	const byEnd = argsortByKey(keys);
	const lanes = [];
	const laneEnds = [];
	const placed = new Uint8Array(n);
	for (let j = 0; j < n; j++) {
		const k = byEnd[j];
		const index = order[k];
		const start = starts[index];
		let best = -1;
		for (let lane = 0; lane < laneEnds.length; lane++) {
			if (laneEnds[lane] <= start && (best < 0 || laneEnds[lane] > laneEnds[best]))
				best = lane;
		}
		if (best < 0) {
			if (lanes.length >= maxLanes)
				continue;
			best = lanes.length;
			lanes.push([]);
			laneEnds.push(0);
		}
		lanes[best].push(index);
		laneEnds[best] = endOf(index);
		placed[k] = 1;
	}
	const overflow = [];
	for (let k = 0; k < n; k++) {
		if (!placed[k])
			overflow.push(order[k]);
	}
	return { lanes, overflow };
}

function packFirstFit(order, starts, ends) {
	const lanes = [];
	const laneEnds = [];
	for (const index of order) {
		const start = starts[index];
		let lane = 0;
		while (lane < laneEnds.length && laneEnds[lane] > start)
			lane++;
		if (lane === laneEnds.length) {
			lanes.push([]);
			laneEnds.push(0);
		}
		lanes[lane].push(index);
		laneEnds[lane] = Math.max(ends[index], start);
	}
	return { lanes, overflow: [] };
}

// Calls VISIT for what lane LANE shows in the pixel columns [0, view.width) of VIEW, from left to
// right. An interval k that ends outside the pixel column where it starts is visited alone as
// visit(x0, x1, k, 1), with x0 and x1 unrounded and possibly outside the view. The intervals
// k..k+count-1 that start and end inside one pixel column x are visited once, as
// visit(x, x + 1, k, count). It searches once per column, so it costs O(width · log n) at most.
export function visitLane(lane, view, visit) {
	const { starts, ends } = lane;
	const n = lane.length;
	const viewStart = view.start;
	const nsPerPx = view.nsPerPx;
	const viewEnd = viewStart + nsPerPx * view.width;
	let k = lowerBound(ends, viewStart);
	while (k < n && starts[k] <= viewEnd) {
		const x0 = (starts[k] - viewStart) / nsPerPx;
		const x1 = (ends[k] - viewStart) / nsPerPx;
		const column = Math.floor(x0);
		if (x1 - x0 >= 1 || x1 >= column + 1) {
			visit(x0, x1, k, 1);
			k++;
			continue;
		}
		// Interval k is narrower than a pixel and ends inside column: gather every interval
		// that starts in this column and also ends in it.
		const columnEnd = viewStart + (column + 1) * nsPerPx;
		let last = lowerBound(starts, columnEnd, k) - 1;
		if (last > k && ends[last] >= columnEnd)
			last--;
		visit(column, column + 1, k, last - k + 1);
		k = last + 1;
	}
}

// Range maximum over a step function in O(log n): an iterative segment tree over `values`.
export class MaxTree {
	constructor(values) {
		const n = values.length;
		this.n = n;
		this.tree = new Float64Array(2 * n);
		this.tree.set(values, n);
		for (let p = n - 1; p >= 1; p--)
			this.tree[p] = Math.max(this.tree[2 * p], this.tree[2 * p + 1]);
	}

	// Returns the maximum of values[from..to), or -Infinity when the range is empty.
	max(from, to) {
		let result = -Infinity;
		let lo = from + this.n;
		let hi = to + this.n;
		while (lo < hi) {
			if (lo & 1)
				result = Math.max(result, this.tree[lo++]);
			if (hi & 1)
				result = Math.max(result, this.tree[--hi]);
			lo >>= 1;
			hi >>= 1;
		}
		return result;
	}
}

// A counter: a step function with value 0 before its first sample.
export class StepSeries {
	constructor(times, values) {
		this.times = times;
		this.values = values;
		this.maxTree = new MaxTree(values);
		this.peak = values.length ? Math.max(0, this.maxTree.max(0, values.length)) : 0;
	}

	// Returns the value at TIME.
	valueAt(time) {
		const k = upperBound(this.times, time) - 1;
		return k >= 0 ? this.values[k] : 0;
	}

	// Returns the maximum value over the time range [FROM, TO).
	maxOver(from, to) {
		const first = upperBound(this.times, from) - 1;
		const end = lowerBound(this.times, to);
		const carried = first >= 0 ? this.values[first] : 0;
		const lo = Math.max(first + 1, 0);
		return end > lo ? Math.max(carried, this.maxTree.max(lo, end)) : carried;
	}
}
