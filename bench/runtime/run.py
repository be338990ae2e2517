#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run the runtime benchmarks against their peers and write the results.

Each workload runs as a fresh process, cgomal and its peer alternating,
RUNS times. The table gives the medians and the ratio to the peer, next to
the target. With --write, the table replaces the section between the
markers in docs/benchmarks.md.

Usage: run.py --build BUILD_DIR [--runs N] [--quick] [--write]
"""
import argparse
import os
import platform
import statistics
import subprocess
import sys
import time

BEGIN = "<!-- runtime-benchmarks:begin (written by scripts/bench.sh) -->"
END = "<!-- runtime-benchmarks:end -->"


def run(command, env=None):
    """Run one benchmark process; return {(workload, subject): (value, unit)}."""
    full_env = dict(os.environ, **(env or {}))
    try:
        out = subprocess.run(command, check=True, capture_output=True, text=True,
                             env=full_env, timeout=900).stdout
    except subprocess.CalledProcessError as error:
        sys.exit(f"run.py: {' '.join(command)} failed with status {error.returncode}:\n"
                 f"{error.stderr.strip()}")
    results = {}
    for line in out.splitlines():
        workload, subject, value, unit = line.split("\t")
        results[(workload, subject)] = (float(value), unit)
    return results


class Row:
    """One line of the table: a subject against its peer."""

    def __init__(self, what, peer_what, target, kind, commands):
        self.what = what            # label of the measured subject
        self.peer_what = peer_what  # label of the peer
        self.target = target        # the target ratio, or difference in ns
        self.kind = kind            # "ratio" (at most), "ratio_min" (at least), "difference"
        self.commands = commands    # [((command, env), (workload, subject))], subject first
        self.values = []
        self.peer_values = []
        self.unit = ""


def rows_for(build, quick):
    cg = os.path.join(build, "bench", "runtime", "cgomal-bench")
    bo = os.path.join(build, "bench", "runtime", "boehm-bench")
    one_marker = {"GC_MARKERS": "1"}
    scale = 10 if quick else 1
    rows = []

    for size, count in ((16, 5000000), (64, 5000000), (256, 2000000), (4096, 300000)):
        n = str(count // scale)
        rows.append(Row(f"cgomal_alloc({size}), collections included", "Boehm GC_MALLOC",
                        1.0, "ratio",
                        [(([cg, "churn", str(size), n], None), ("churn_%d" % size, "cgomal")),
                         (([bo, "churn", str(size), n], None), ("churn_%d" % size, "boehm"))]))

    for size, count in ((16, 4000000), (64, 4000000), (256, 1000000), (4096, 100000)):
        n = str(count // scale)
        rows.append(Row(f"cgomal_alloc({size}), allocation path alone",
                        "mallocx, arena + explicit tcache", 1.25, "ratio",
                        [(([cg, "alloc-path", str(size), n], None), ("alloc_path", "cgomal_alloc")),
                         (([cg, "alloc-path", str(size), n], None), ("alloc_path", "mallocx"))]))

    rows.append(Row("GCBench, total", "Boehm GC, same port", 1.0, "ratio",
                    [(([cg, "gcbench"], None), ("gcbench", "cgomal")),
                     (([bo, "gcbench"], None), ("gcbench", "boehm"))]))

    counts = (1000000,) if quick else (1000000, 10000000)
    for count in counts:
        for shape in ("list", "tree", "random"):
            key = f"full_{shape}_{count}"
            rows.append(Row(f"full collection, {count // 1000000}M objects, {shape}",
                            "Boehm GC_gcollect, one marker", 1.0, "ratio",
                            [(([cg, "full", shape, str(count)], None), (key, "cgomal")),
                             (([bo, "full", shape, str(count)], one_marker), (key, "boehm"))]))

    n = str(20000000 // scale)
    rows.append(Row("cgomal_cgocall round trip, no session", "direct call", 10.0, "difference",
                    [(([cg, "cgocall", n], None), ("cgocall", "cgomal_cgocall")),
                     (([cg, "cgocall", n], None), ("cgocall", "direct"))]))

    n = str(4000000 // scale)
    rows.append(Row("cgomal_cgo_allocate(32)", "cgomal_alloc(32)", 1.2, "ratio",
                    [(([cg, "cgo-allocate", n], None), ("cgo_allocate", "cgomal_cgo_allocate")),
                     (([cg, "cgo-allocate", n], None), ("cgo_allocate", "cgomal_alloc"))]))
    return rows


def measure(rows, runs):
    for index, row in enumerate(rows):
        print(f"[{index + 1}/{len(rows)}] {row.what} against {row.peer_what}", file=sys.stderr)
        cache = {}
        for _ in range(runs):
            # One process can print both subjects; run each distinct command once a round.
            cache.clear()
            for (command, env), key in row.commands:
                token = (tuple(command), tuple(sorted((env or {}).items())))
                if token not in cache:
                    cache[token] = run(command, env)
            (subject_command, _), subject_key = row.commands[0]
            (peer_command, peer_env), peer_key = row.commands[1]
            subject = cache[(tuple(subject_command), ())]
            peer = cache[(tuple(peer_command), tuple(sorted((peer_env or {}).items())))]
            row.values.append(subject[subject_key][0])
            row.peer_values.append(peer[peer_key][0])
            row.unit = subject[subject_key][1]


def verdict(row):
    value = statistics.median(row.values)
    peer = statistics.median(row.peer_values)
    if row.kind == "difference":
        figure = value - peer
        met = figure <= row.target
        return f"+{figure:.1f} ns", f"at most +{row.target:.0f} ns", met
    figure = value / peer if peer > 0 else float("inf")
    met = figure <= row.target
    return f"{figure:.2f}x", f"at most {row.target:.2f}x", met


def spread(values):
    return f"{min(values):.1f}–{max(values):.1f}" if len(values) > 1 else f"{values[0]:.1f}"


def table(rows):
    lines = ["| what | cgomal | peer | peer value | result | target | met |",
             "|---|---:|---|---:|---:|---|---|"]
    for row in rows:
        figure, target, met = verdict(row)
        lines.append(f"| {row.what} | {statistics.median(row.values):.1f} {row.unit} "
                     f"({spread(row.values)}) | {row.peer_what} | "
                     f"{statistics.median(row.peer_values):.1f} {row.unit} "
                     f"({spread(row.peer_values)}) | {figure} | {target} | "
                     f"{'yes' if met else 'no'} |")
    return "\n".join(lines)


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg()[0]
    return (f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
            f"load average {load:.1f} at the start")


def section(rows, runs, build, started):
    return "\n".join([
        BEGIN,
        "## Runtime against its peers",
        "",
        f"Measured {time.strftime('%Y-%m-%d', time.gmtime(started))} on {machine()}, by",
        f"`scripts/bench.sh` (`bench/runtime/run.py --build {build} --runs {runs}`): each",
        "figure is the median of the runs, each run a fresh process, cgomal and its peer",
        "alternating; the spread (lowest–highest) is in brackets. Boehm GC is Debian's",
        "libgc 8.2.2 with its default settings, and with one marker thread",
        "(`GC_MARKERS=1`) for the full collections.",
        "",
        table(rows),
        "",
        "Workloads (bench/runtime/workloads.c): *collections included* allocates objects",
        "and keeps every 16th in a ring of 4,096 slots; *allocation path alone* allocates",
        "with collection off, into fresh memory for both; GCBench is the classic tree",
        "benchmark (stretch tree of depth 18, long-lived tree of depth 16 and array of",
        "500,000 doubles, trees of depth 4 to 16 built top-down and bottom-up); a full",
        "collection marks and sweeps a live heap of 16-byte nodes linked as a list in",
        "allocation order, a complete binary tree, or a list in random order.",
        END,
    ])


def write(doc, text):
    with open(doc) as f:
        content = f.read()
    if BEGIN in content and END in content:
        head = content[:content.index(BEGIN)]
        tail = content[content.index(END) + len(END):]
        content = head + text + tail
    else:
        content = content.rstrip("\n") + "\n\n" + text + "\n"
    with open(doc, "w") as f:
        f.write(content)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", required=True, help="build directory with CGOMAL_BUILD_BENCH=ON")
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (default 5)")
    parser.add_argument("--quick", action="store_true",
                        help="a tenth of the counts and no 10M heaps, to check the setup")
    parser.add_argument("--write", action="store_true",
                        help="replace the runtime section of docs/benchmarks.md")
    args = parser.parse_args()
    for program in ("cgomal-bench", "boehm-bench"):
        path = os.path.join(args.build, "bench", "runtime", program)
        if not os.access(path, os.X_OK):
            sys.exit(f"run.py: {path} is missing; configure with -DCGOMAL_BUILD_BENCH=ON "
                     "(boehm-bench also needs libgc-dev) and build")
    started = time.time()
    rows = rows_for(args.build, args.quick)
    measure(rows, args.runs)
    text = section(rows, args.runs, args.build, started)
    print(table(rows))
    if args.write:
        top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        write(os.path.join(top, "docs", "benchmarks.md"), text)
        print("run.py: wrote the runtime section of docs/benchmarks.md", file=sys.stderr)


if __name__ == "__main__":
    main()
