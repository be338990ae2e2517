#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Print a lifetime report as text that is the same on every run of a scenario.

Usage: normalize-report.py REPORT [MAP_FILE]

Times become "t" (or "null"), because they differ on every run; what stays
is whether an event was reached and the order checks below. Addresses,
functions and thread ids become the names of the program's "map KIND NAME
VALUE" lines in MAP_FILE, or A1, F1, T1... in order of appearance; pids
become P1, P2...; object ids become their rank. Records are sorted by id.
Each allocation and call also gets an ORDER line when its times go
backwards, so a golden file catches that too.
"""
import json
import re
import sys


class Names:
    def __init__(self, prefix, known=None):
        self.prefix = prefix
        self.names = dict(known or {})

    def __call__(self, value):
        if value is None:
            return "null"
        if value not in self.names:
            self.names[value] = f"{self.prefix}{len(self.names) + 1}"
        return self.names[value]


def time(value):
    return "null" if value is None else "t"


def read_map(path):
    known = {"addr": {}, "fn": {}, "tid": {}}
    with open(path) as map_file:
        for line in map_file:
            parts = line.split()
            if len(parts) == 4 and parts[0] == "map" and parts[1] in known:
                value = parts[3]
                if parts[1] == "tid":
                    known["tid"][int(value)] = f"<{parts[2]}>"
                else:
                    known[parts[1]][f"0x{int(value, 16):x}"] = f"<{parts[2]}>"
    return known


def check_order(label, times):
    reached = [t for t in times if t is not None]
    if reached != sorted(reached):
        return [f"ORDER {label}: times go backwards: {times}"]
    return []


def main():
    report = json.load(open(sys.argv[1]))
    known = read_map(sys.argv[2]) if len(sys.argv) > 2 else {"addr": {}, "fn": {}, "tid": {}}
    addr = Names("A", known["addr"])
    fn = Names("F", known["fn"])
    tid = Names("T", known["tid"])
    pid = Names("P")
    object_ids = sorted({a["object_id"] for a in report["allocations"] if a["object_id"] is not None})
    object_rank = {value: f"id{index + 1}" for index, value in enumerate(object_ids)}
    out = []

    out.append(f"format {report['format']} {report['version']} traces {len(report['traces'])}")
    for process in report["processes"]:
        ms = " ".join(
            f"M{m['m']}[{','.join(tid(t) for t in m['tids'])} attach={time(m['attach'])} "
            f"detach={time(m['detach'])}]"
            for m in process["ms"]
        )
        out.append(f"process {pid(process['pid'])} {process['procname']} "
                   f"tids={','.join(tid(t) for t in process['tids'])} {ms}")
    for cycle in report["gc_cycles"]:
        out.append(f"gc {cycle['cycle']} {cycle['reason']} start={time(cycle['start'])} "
                   f"end={time(cycle['end'])} freed={cycle['freed_objects']}/{cycle['freed_bytes']} "
                   f"uncertain={cycle['uncertain']}")
    for call in sorted(report["calls"], key=lambda c: c["id"]):
        out.append(f"call {call['id']} M{call['m']} {tid(call['tid'])} depth={call['depth']} "
                   f"{call['kind']} {fn(call['fn'])} entry={time(call['entry'])} "
                   f"exit={time(call['exit'])} uncertain={call['uncertain']}")
        out += check_order(f"call {call['id']}", [call["entry"], call["exit"]])
    for a in sorted(report["allocations"], key=lambda a: a["id"]):
        out.append(f"allocation {a['id']} {a['kind']} {object_rank.get(a['object_id'], 'null')} "
                   f"M{a['m']} {tid(a['tid'])} {addr(a['addr'])} size={a['size']} depth={a['depth']} "
                   f"alloc={time(a['alloc'])} release={time(a['release'])} free={time(a['free'])} "
                   f"gc={a['gc_cycle']} {a['state']} uncertain={a['uncertain']}")
        out += check_order(f"allocation {a['id']}", [a["alloc"], a["release"], a["free"]])
    for anomaly in report["anomalies"]:
        message = re.sub(r"0x[0-9a-f]+", lambda m: addr(m.group(0)) if m.group(0) in addr.names
                         else fn(m.group(0)), anomaly["message"])
        message = re.sub(r"process \d+", lambda m: "process " + pid(int(m.group(0).split()[1])),
                         message)
        out.append(f"anomaly {anomaly['kind']} M{anomaly['m']} {tid(anomaly['tid'])} "
                   f"allocation={anomaly['allocation']} call={anomaly['call']} "
                   f"{addr(anomaly['addr']) if anomaly['addr'] else 'null'} "
                   f"uncertain={anomaly['uncertain']}: {message}")
    for counter in report["counters"]:
        values = ",".join(str(v) for _, v in counter["samples"])
        out.append(f"counter {counter['name']} {pid(counter['pid'])} M{counter['m']}: {values}")
    summary = report["summary"]
    for kind, entry in summary["allocations"]["by_kind"].items():
        states = " ".join(f"{state}={value['count']}/{value['bytes']}"
                          for state, value in entry["by_state"].items())
        out.append(f"summary {kind} {entry['count']}/{entry['bytes']} {states}")
    out.append("summary anomalies " + " ".join(f"{k}={v}" for k, v in summary["anomalies"].items()))
    out.append(f"summary gc cycles={summary['gc']['cycles']} "
               f"pauses={summary['gc']['pause_ns']['count']}")
    out.append("summary events " + " ".join(f"{k}={v}" for k, v in summary["events"]["by_name"].items()))
    print("\n".join(out))


if __name__ == "__main__":
    main()
