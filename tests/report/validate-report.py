#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Validate lifetime reports against tools/report-schema.json (JSON Schema 2020-12).

Usage: validate-report.py SCHEMA REPORT...
Also checks what the schema cannot express: ids are unique, and every id
that an anomaly names exists. Exits 1 with one line per problem.
"""
import json
import sys

import jsonschema


def check_references(report, path):
    problems = []
    allocation_ids = [a["id"] for a in report["allocations"]]
    call_ids = [c["id"] for c in report["calls"]]
    if len(set(allocation_ids)) != len(allocation_ids):
        problems.append(f"{path}: allocation ids are not unique")
    if len(set(call_ids)) != len(call_ids):
        problems.append(f"{path}: call ids are not unique")
    for anomaly in report["anomalies"]:
        if anomaly["allocation"] is not None and anomaly["allocation"] not in allocation_ids:
            problems.append(f"{path}: anomaly names unknown allocation {anomaly['allocation']}")
        if anomaly["call"] is not None and anomaly["call"] not in call_ids:
            problems.append(f"{path}: anomaly names unknown call {anomaly['call']}")
    for record in report["allocations"] + report["calls"] + report["anomalies"]:
        if record["trace"] >= len(report["traces"]) and report["traces"]:
            problems.append(f"{path}: record names unknown trace {record['trace']}")
    return problems


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1]) as schema_file:
        schema = json.load(schema_file)
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for path in sys.argv[2:]:
        with open(path) as report_file:
            report = json.load(report_file)
        for error in validator.iter_errors(report):
            location = "/".join(str(part) for part in error.absolute_path)
            problems.append(f"{path}: /{location}: {error.message}")
        if not problems:
            problems.extend(check_references(report, path))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
