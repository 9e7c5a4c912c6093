#!/usr/bin/env python3
"""bench/report.py, the report of `make bench', on made-up logs.

usage: benchreport.py    prints PASS/FAIL lines, then "# N passed, M failed"

A malformed figure line and a duplicate id are problems naming their line,
a listed figure a bench did not print is missing (a problem if the bench
ended well), and the ratio and the
goal's bounds are judged as the protocol in report.py's header says.
"""
import io
import json
import os
import sys
from contextlib import redirect_stdout

from checks import check, summary

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
import report  # noqa: E402  (bench/ is not a package)

report.BENCHES = {"a": ["a.one", "a.two"], "b": ["b.one"]}


def fig(id, value=10, unit="ms", **more):
    return "BENCH-FIGURE " + json.dumps(dict(id=id, what="made up", value=value, unit=unit, **more))


def frame(name, lines, rc=0):
    return [f"BENCH-BEGIN {name}", *lines, f"BENCH-END {name} rc={rc} ms=1500"]


def run(lines):
    benches, problems = report.read_log(lines, "bench.log")
    return report.report_benches(benches, problems), problems


def figures(listed):
    return {f["id"]: f for b in listed for f in b["figures"]}


anchor = {"what": "xl", "value": 20, "unit": "ms", "source": "measured"}
good = frame("a", ["prose", fig("a.one", 10, anchor=anchor, goal={"ratio_max": 0.9}),
                   fig("a.two", 3, goal={"value_max": 2, "text": "≤ 2 ms"})]) + \
    frame("b", [fig("b.one", 5, anchor=dict(anchor, unit="s"), goal={"ratio_min": 1})])
listed, problems = run(good)
got = figures(listed)
check("a well-formed log has no problem", problems == [], problems)
check("ratio is value / anchor", got["a.one"]["ratio"] == 0.5, got["a.one"])
check("ratio_max met", got["a.one"]["met"] is True, got["a.one"])
check("value_max not met", got["a.two"]["met"] is False, got["a.two"])
check("no ratio across units, and no verdict on it",
      got["b.one"]["ratio"] is None and got["b.one"]["met"] is None
      and "ms against s" in got["b.one"]["note"], got["b.one"])
check("wall time and exit status kept", listed[0]["wall_ms"] == 1500 and listed[0]["rc"] == 0,
      listed[0])

bad = frame("a", [fig("a.one"), "BENCH-FIGURE {\"id\": \"a.two\",", fig("a.one", 11)]) + \
    frame("b", [fig("b.one", stat="average")])
listed, problems = run(bad)
check("a line that is not JSON is named by its number",
      any(p.startswith("bench.log:3: malformed BENCH-FIGURE line") for p in problems), problems)
check("a duplicate id is named by its line",
      any(p.startswith("bench.log:4: figure a.one a second time") for p in problems), problems)
check("the first of two duplicates is kept", figures(listed)["a.one"]["value"] == 10, listed)
check("an unknown stat is a malformed figure",
      any(p.startswith("bench.log:7: malformed figure: stat") for p in problems), problems)

listed, problems = run(frame("a", [fig("a.one")], rc=1) + frame("b", [fig("b.one"), fig("b.two")]))
got = figures(listed)
check("a failed bench's figure is missing, with no problem of its own",
      got["a.two"].get("missing") and listed[0]["rc"] == 1
      and not any("a.two" in p for p in problems), (got, problems))
check("a figure not in the list is reported after the listed ones",
      [f["id"] for f in listed[1]["figures"]] == ["b.one", "b.two"] and problems == [],
      (listed, problems))
listed, problems = run(frame("a", [fig("a.one")]))
check("a good bench without a listed figure is a problem",
      any("ended well without figure a.two" in p for p in problems), problems)
check("a bench not run is said", listed[1]["rc"] is None and figures(listed)["b.one"]["missing"],
      listed)
check("a figure of another bench's name is refused",
      any("printed by bench a" in p for p in run(frame("a", [fig("b.one")]))[1]), "")

out = io.StringIO()
try:
    with redirect_stdout(out):
        report.figure("a.one", 1.23456789, "ms", "made up", n=3, goal={"text": "reported"})
    line = out.getvalue()
    check("figure() prints a line the report takes",
          run(frame("a", [line.rstrip("\n")]))[0][0]["figures"][0]["value"] == 1.23457, line)
except ValueError as e:
    check("figure() prints a line the report takes", False, e)
try:
    report.figure("a.one", 1, "ms", "made up", goal={"ratio_max": 2})
    check("figure() refuses a goal on a ratio without an anchor", False, "printed")
except ValueError:
    check("figure() refuses a goal on a ratio without an anchor", True)

sys.exit(summary())
