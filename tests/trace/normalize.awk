# SPDX-License-Identifier: MIT
# Turns babeltrace2's text output of a `cgomal` trace into a form that does
# not depend on the run, so that it can be compared with an expected file:
# - events are grouped per thread (by the vtid context), threads in order
#   of their first event, each group under a "thread N" line;
# - addresses, functions and thread ids that the program listed in its
#   "map KIND NAME VALUE" lines become <NAME>;
# - M and object ids become <mK> and <idK>, numbered by first appearance;
# - live_bytes, goal_bytes, marked_objects and pause_ns, which depend on
#   the heap's layout and the clock, become *;
# - object_free events of one collection are sorted, since the sweep
#   visits objects in address order.
# Usage: awk -f normalize.awk MAP_FILE TRACE_TEXT

FNR == NR {
	if ($1 == "map" && NF == 4) {
		if ($2 == "tid")
			tid_name[$4] = $3
		else
			addr_name[$4] = $3
	}
	next
}

# Replace the value of field NAME (a whole word) in `line` via fn(value).
function field_value(line, name,    re, start) {
	re = "[{ ,]" name " = [^ ,}]+"
	if (!match(line, re))
		return ""
	start = RSTART + 1 + length(name) + 3
	return substr(line, start, RSTART + RLENGTH - start)
}

function field_replace(line, name, value,    re, head) {
	re = "[{ ,]" name " = [^ ,}]+"
	if (!match(line, re))
		return line
	head = substr(line, 1, RSTART) name " = "
	return head value substr(line, RSTART + RLENGTH)
}

function numbered(table, prefix, value) {
	if (!(value in table))
		table[value] = prefix (++table_count[prefix])
	return "<" table[value] ">"
}

function flush_frees(thread,    i, j, tmp) {
	for (i = 2; i <= nfree; i++) {
		for (j = i; j > 1 && frees[j - 1] > frees[j]; j--) {
			tmp = frees[j]
			frees[j] = frees[j - 1]
			frees[j - 1] = tmp
		}
	}
	for (i = 1; i <= nfree; i++)
		emit(thread, frees[i])
	nfree = 0
}

function emit(thread, line) {
	out[thread, ++count[thread]] = line
}

{
	line = $0
	if (!match(line, /cgomal:[a-z_]+: /))
		next
	event = substr(line, RSTART, RLENGTH - 2)
	payload = substr(line, RSTART + RLENGTH)
	vtid = field_value(line, "vtid")
	sub(/^.*\{ vtid = [0-9]+ \}, /, "", payload)
	if (!(vtid in thread_seen)) {
		thread_seen[vtid] = 1
		threads[++nthreads] = vtid
	}

	if ((value = field_value(payload, "tid")) != "" && value in tid_name)
		payload = field_replace(payload, "tid", "<" tid_name[value] ">")
	if ((value = field_value(payload, "addr")) != "")
		payload = field_replace(payload, "addr", ((value in addr_name) ? "<" addr_name[value] ">" : "<unknown>"))
	if ((value = field_value(payload, "fn")) != "")
		payload = field_replace(payload, "fn", ((value in addr_name) ? "<" addr_name[value] ">" : "<unknown>"))
	if ((value = field_value(payload, "m")) != "")
		payload = field_replace(payload, "m", numbered(m_ids, "m", value))
	if ((value = field_value(payload, "id")) != "")
		payload = field_replace(payload, "id", numbered(object_ids, "id", value))
	payload = field_replace(payload, "live_bytes", "*")
	payload = field_replace(payload, "goal_bytes", "*")
	payload = field_replace(payload, "marked_objects", "*")
	payload = field_replace(payload, "pause_ns", "*")

	text = event " " payload
	if (event == "cgomal:object_free") {
		frees[++nfree] = text
		next
	}
	if (event == "cgomal:gc_end")
		flush_frees(vtid)
	emit(vtid, text)
}

END {
	if (nfree > 0)
		flush_frees(vtid)
	for (t = 1; t <= nthreads; t++) {
		print "thread " t
		for (i = 1; i <= count[threads[t]]; i++)
			print "  " out[threads[t], i]
	}
}
