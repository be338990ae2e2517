// SPDX-License-Identifier: MIT
// Formatting of sizes and counts for render and panels (time formatting lives in time.js).

import { decimalsForThreeDigits } from './time.js';

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

// Formats a byte count with binary prefixes and three significant digits ("1.50 MiB").
export function formatBytes(bytes) {
	if (bytes === null || bytes === undefined || Number.isNaN(bytes))
		return '—';
	let value = bytes;
	let unit = 0;
	while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
		value /= 1024;
		unit++;
	}
	if (unit === 0)
		return `${value} B`;
	return `${value.toFixed(decimalsForThreeDigits(value))} ${BYTE_UNITS[unit]}`;
}

// Formats a count with thin-space thousands separators ("1 000 000"), independent of locale so
// that tests and screenshots read the same everywhere.
export function formatCount(count) {
	if (count === null || count === undefined)
		return '—';
	return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009');
}

// Parses a size typed by a user ("4096", "4 KiB", "1.5M") into bytes. Returns null for an empty
// string and throws RangeError naming the text when it is not a size.
export function parseBytes(text) {
	const trimmed = String(text).trim();
	if (trimmed === '')
		return null;
	const match = /^([0-9]*\.?[0-9]+)\s*([kmgt]?)(i?b?)$/i.exec(trimmed);
	if (!match)
		throw new RangeError(`"${trimmed}" is not a size: write a number of bytes, or one with ` +
			'a unit KiB, MiB or GiB, for example 4KiB');
	const power = ' kmgt'.indexOf(match[2].toLowerCase() || ' ');
	return Math.round(Number(match[1]) * 1024 ** power);
}
