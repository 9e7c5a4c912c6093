#!/usr/bin/env python3
"""bench/report.py - `make bench' as one report: each bench's figures
against their anchors and goals (issue 25), in REPORT.md and REPORT.json.

The protocol.  Besides its prose, a bench prints on stdout one line per
figure, the tag, a space and one JSON object on the same line:

  BENCH-FIGURE {"id": "xen.create", "what": "...", "value": 812, "unit": "ms", ...}

  id      the bench's name, a dot, the figure's name, in [a-z0-9-] (more
          dots may follow: "gui.foot.fps"); unique in a run
  what    what was measured and how: the samples, the test bed (QEMU TCG or
          not); it goes below the bench's table
  value   a number
  unit    "ms", "us", "KiB", "fps", "MiB/s", "x", ...
  stat    optional: median (the default), p50, p99, max, min, mean or total
  n       optional: how many samples
  anchor  optional, what the value is set against, one object:
            {"what": "xl create", "value": 980, "unit": "ms", "source": "measured"}
          measured in the same run, or "source": "published" with "cite":
          where ("Qubes OS 4.3 release notes: ...").  Its "what" goes into
          the table: keep it short.
  goal    optional, one object of bounds that must all hold, at least one:
            "ratio_max", "ratio_min"  on value / anchor.value
            "value_max", "value_min"  on value
          and "text", the goal as the issue says it ("≤ 2 × memcpy").  A
          goal of text alone is shown, not judged.  The figures with a
          goal make the headline.
Any other key is an error, and so is a line that starts with the tag and is
not that.  The ratio is value / anchor.value, and only in one unit: with two
the report says so and computes none.  From Python: PYTHONPATH=bench, then
`from report import figure, measured, published'; from C, printf the line
(strings JSON-escaped; fflush before anything else writes to the stream).

The log.  bench/run.sh runs BENCHES in order, every line each prints into
one log, framed by "BENCH-BEGIN NAME" and "BENCH-END NAME rc=N ms=N".  A
figure belongs to the bench whose frame holds it.  BENCHES lists the
figures each bench prints (more may come, a sweep's): one it did not print
is missing, and an error if the bench ended well (so a renamed figure is
seen).  The report is written whatever went wrong; the exit status is 1 if
a bench failed or anything is wrong in the log.  The machine is shared and
noisy, QEMU under TCG slow: compare runs, never use this as a pass/fail
test.

usage: report.py LOG OUTDIR   writes OUTDIR/REPORT.md and REPORT.json, prints
                              the headline (the figures with a goal)
       report.py --benches    the benches' names, in order (bench/run.sh)
"""
import datetime
import json
import math
import os
import re
import subprocess
import sys

# Every bench `make bench' runs, in order, with the figures it prints.  A
# bench NAME is bench/NAME.sh, given the bulkhead binary, or else the
# program $(BUILD)/bench/NAME (bench/run.sh).
BENCHES = {
    "composite": ["composite.full", "composite.damage10"],
    "vtscreen": ["vtscreen.yes-24x80", "vtscreen.yes-50x200", "vtscreen.seq-24x80",
                 "vtscreen.seq-50x200"],
    "input": ["input.p50", "input.p99", "input.max"],
    "dm": ["dm.reload", "dm.snapshot", "dm.thin", "dm.lvm"],
    "dispvm": ["dispvm.preloaded", "dispvm.preloaded-qubes", "dispvm.booted",
               "dispvm.volumes-made", "dispvm.volumes-released", "dispvm.volumes"],
    "rpc": ["rpc.call", "rpc.stream", "rpc.copy"],
    "pid1": ["pid1.rss", "pid1.rss-anon", "pid1.rss-growth", "pid1.libs", "pid1.fds",
             "pid1.restarts", "pid1.ctl-status", "pid1.death-restart", "pid1.death-overhead"],
    "xen": ["xen.restart", "xen.create"],
    "scale": ["scale.boot.8", "scale.create.8", "scale.list.8", "scale.manager-rss.8",
              "scale.pid1-rss.8", "scale.boot.32", "scale.create.32", "scale.list.32",
              "scale.manager-rss.32", "scale.pid1-rss.32", "scale.boot.96", "scale.create.96",
              "scale.list.96", "scale.manager-rss.96", "scale.pid1-rss.96"],
    "desktop": ["desktop.rss.8", "desktop.rss.32", "desktop.rss.96"],
    "gui": ["gui.terminal.key", "gui.terminal.fps", "gui.terminal.cpu-frame",
            "gui.terminal.dom0-busy", "gui.foot.key", "gui.foot.fps", "gui.foot.cpu-frame",
            "gui.foot.dom0-busy"],
    "wayland": ["wayland.libvterm.seq", "wayland.libvterm.fps", "wayland.libvterm.cpu-frame",
                "wayland.libvterm.agent-cpu", "wayland.foot.seq", "wayland.foot.fps",
                "wayland.foot.cpu-frame", "wayland.foot.agent-cpu", "wayland.foot.copied",
                "wayland.simple-damage.copied"],
}

TAG = "BENCH-FIGURE"
STATS = ("median", "p50", "p99", "max", "min", "mean", "total")
BOUNDS = ("ratio_max", "ratio_min", "value_max", "value_min")
ID_RE = re.compile(r"[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+")
MARK_RE = re.compile(r"BENCH-(BEGIN|END) ([a-z0-9-]+)(?: rc=(\d+) ms=(\d+))?")


# --- the figure lines -------------------------------------------------------

def is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def is_text(x):
    return isinstance(x, str) and x.strip() != ""


def anchor_faults(a):
    if not isinstance(a, dict):
        return ["anchor is not an object"]
    out = [f"anchor has an unknown key {k!r}"
           for k in a if k not in ("what", "value", "unit", "source", "cite")]
    if not is_text(a.get("what")) or not is_text(a.get("unit")):
        out.append("anchor needs a what and a unit")
    if not is_number(a.get("value")):
        out.append("anchor's value is not a number")
    if a.get("source") == "published":
        if not is_text(a.get("cite")):
            out.append("a published anchor needs a cite")
    elif a.get("source") != "measured":
        out.append('anchor\'s source is neither "measured" nor "published"')
    elif "cite" in a:
        out.append("a measured anchor has no cite")
    return out


def goal_faults(g, has_anchor):
    if not isinstance(g, dict):
        return ["goal is not an object"]
    out = [f"goal has an unknown key {k!r}" for k in g if k not in BOUNDS + ("text",)]
    out += [f"goal's {k} is not a number" for k in BOUNDS if k in g and not is_number(g[k])]
    if not any(k in g for k in BOUNDS) and not is_text(g.get("text")):
        out.append("goal has neither a bound nor a text")
    if "text" in g and not is_text(g["text"]):
        out.append("goal's text is empty")
    if not has_anchor and any(k.startswith("ratio") for k in g):
        out.append("a goal on the ratio needs an anchor")
    return out


def figure_faults(f):
    """What is wrong with figure F (a parsed JSON value): [] if nothing."""
    if not isinstance(f, dict):
        return ["not a JSON object"]
    out = [f"unknown key {k!r}" for k in f
           if k not in ("id", "what", "value", "unit", "stat", "n", "anchor", "goal")]
    if not isinstance(f.get("id"), str) or not ID_RE.fullmatch(f["id"]):
        out.append('id is not dotted lower case ("bench.figure")')
    if not is_text(f.get("what")) or not is_text(f.get("unit")):
        out.append("needs a what and a unit")
    if not is_number(f.get("value")):
        out.append("value is not a number")
    if "stat" in f and f["stat"] not in STATS:
        out.append(f"stat is not one of {', '.join(STATS)}")
    if "n" in f and not (isinstance(f["n"], int) and not isinstance(f["n"], bool) and f["n"] > 0):
        out.append("n is not a positive integer")
    if "anchor" in f:
        out += anchor_faults(f["anchor"])
    if "goal" in f:
        out += goal_faults(f["goal"], "anchor" in f)
    return out


def figure(id, value, unit, what, *, stat=None, n=None, anchor=None, goal=None):
    """Prints one figure line; raises ValueError on what the report would
    refuse."""
    f = {"id": id, "what": what, "value": tidy(value) if is_number(value) else value,
         "unit": unit}
    for key, v in (("stat", stat), ("n", n), ("anchor", anchor), ("goal", goal)):
        if v is not None:
            f[key] = v
    faults = figure_faults(f)
    if faults:
        raise ValueError(f"{id}: {'; '.join(faults)}")
    print(f"{TAG} {json.dumps(f)}", flush=True)


def tidy(x):
    """X to 6 digits that count, whole if it is: the log stays readable."""
    r = float(f"{x:.6g}")
    return int(r) if r.is_integer() else r


def measured(what, value, unit):
    """An anchor measured in the same run."""
    return {"what": what, "value": tidy(value), "unit": unit, "source": "measured"}


def published(what, value, unit, cite):
    """An anchor from a publication, CITE saying which."""
    return {"what": what, "value": value, "unit": unit, "source": "published", "cite": cite}


# --- the log ----------------------------------------------------------------

def read_log(lines, log_name):
    """The benches of a log in their order, each {"name", "rc", "ms",
    "figures": {id: figure}}, and the problems found, each naming its line."""
    benches, problems, cur = [], [], None
    for no, line in enumerate(lines, 1):
        line = line.rstrip("\n")
        where = f"{log_name}:{no}"
        mark = MARK_RE.fullmatch(line)
        if mark and mark.group(1) == "BEGIN":
            cur = {"name": mark.group(2), "rc": None, "ms": None, "figures": {}}
            benches.append(cur)
        elif mark and cur and mark.group(2) == cur["name"] and mark.group(3):
            cur["rc"], cur["ms"] = int(mark.group(3)), int(mark.group(4))
            cur = None
        elif mark or line.startswith(("BENCH-BEGIN", "BENCH-END")):
            problems.append(f"{where}: a bench's frame out of place: {line}")
        elif line.startswith(TAG):
            take_figure(line, where, cur, benches, problems)
    if cur:
        problems.append(f"{log_name}: bench {cur['name']} has no end")
    return benches, problems


def take_figure(line, where, cur, benches, problems):
    try:
        if not line.startswith(TAG + " "):
            raise ValueError(f"no space after {TAG}")
        f = json.loads(line[len(TAG) + 1:])
    except ValueError as e:
        problems.append(f"{where}: malformed {TAG} line ({e}): {line[:120]}")
        return
    faults = figure_faults(f)
    if faults:
        problems.append(f"{where}: malformed figure: {'; '.join(faults)}: {line[:120]}")
    elif cur is None:
        problems.append(f"{where}: figure {f['id']} outside any bench")
    elif f["id"].split(".")[0] != cur["name"]:
        problems.append(f"{where}: figure {f['id']} printed by bench {cur['name']}")
    elif any(f["id"] in b["figures"] for b in benches):
        problems.append(f"{where}: figure {f['id']} a second time")
    else:
        cur["figures"][f["id"]] = f


# --- judging ----------------------------------------------------------------

def ratio_of(f):
    """(value / anchor.value, None) or (None, why not)."""
    a = f.get("anchor")
    if a is None:
        return None, None
    if a["unit"] != f["unit"]:
        return None, f"no ratio: {f['unit']} against {a['unit']}"
    if a["value"] == 0:
        return None, "no ratio: the anchor is 0"
    return f["value"] / a["value"], None


def met_of(f, ratio):
    """True or False by every bound of the goal; None if there is no bound
    or one cannot be judged (no ratio)."""
    bounds = [(k, b) for k, b in f.get("goal", {}).items() if k in BOUNDS]
    if not bounds:
        return None
    verdicts = []
    for key, bound in bounds:
        x = ratio if key.startswith("ratio") else f["value"]
        if x is None:
            return None
        verdicts.append(x <= bound if key.endswith("_max") else x >= bound)
    return all(verdicts)


def judged(f):
    """The figure with its ratio, met and, when there is one, a note."""
    ratio, note = ratio_of(f)
    out = dict(f, ratio=ratio, met=met_of(f, ratio))
    if note:
        out["note"] = note
    return out


def report_benches(benches, problems):
    """Every listed bench, in order, with its figures judged and the
    missing ones named; adds to PROBLEMS what the list says is wrong."""
    ran = {b["name"]: b for b in benches}
    for b in benches:
        if b["name"] not in BENCHES:
            problems.append(f"bench {b['name']} is not in report.py's BENCHES")
    out = []
    for name, listed in BENCHES.items():
        b = ran.get(name, {"name": name, "rc": None, "ms": None, "figures": {}})
        failed = b["rc"] != 0
        figs = [judged(b["figures"][i]) if i in b["figures"] else {"id": i, "missing": True}
                for i in listed]
        figs += [judged(f) for i, f in b["figures"].items() if i not in listed]
        if not failed:
            problems += [f"bench {name} ended well without figure {f['id']}"
                         for f in figs if f.get("missing")]
        out.append({"name": name, "rc": b["rc"], "wall_ms": b["ms"], "figures": figs})
    return out


# --- where and when ---------------------------------------------------------

def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        kib = int(next(line for line in f if line.startswith("MemTotal:")).split()[1])
    return {"cpu": cpu, "cpus": len(os.sched_getaffinity(0)),
            "memory_gib": round(kib / 1048576, 1), "kernel": os.uname().release,
            "kvm": os.path.exists("/dev/kvm")}


def commit():
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def git(*args):
        return subprocess.run(["git", "-C", top, *args], capture_output=True, text=True,
                              check=False).stdout.strip()
    return {"id": git("rev-parse", "--short", "HEAD") or "?",
            "uncommitted": git("status", "--porcelain") != ""}


# --- writing ----------------------------------------------------------------

def num(x):
    """A figure to read: whole numbers whole, else 2 or 3 digits that count."""
    if x == int(x) or abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}" if abs(x) >= 1 else f"{x:.2g}"


def duration(ms):
    if ms is None:
        return "—"
    s = ms / 1000
    return f"{s:.1f} s" if s < 60 else f"{int(s // 60)} min {s % 60:.0f} s"


def goal_text(g, unit):
    if not g:
        return ""
    if "text" in g:
        return g["text"]
    words = {"ratio_max": "≤ {} × anchor", "ratio_min": "≥ {} × anchor",
             "value_max": "≤ {} " + unit, "value_min": "≥ {} " + unit}
    return " and ".join(words[k].format(num(v)) for k, v in g.items() if k in words)


def cells(f):
    """The table's cells of one figure: id, value, anchor, ratio, goal, met."""
    if f.get("missing"):
        return [f"`{f['id']}`", "missing", "", "", "", "—"]
    a = f.get("anchor")
    anchor = ""
    if a:
        anchor = f"{a['what']}: {num(a['value'])} {a['unit']}"
        anchor += " (published)" if a["source"] == "published" else ""
    ratio = num(f["ratio"]) if f["ratio"] is not None else f.get("note", "")
    met = {True: "✔", False: "✘", None: "—"}[f["met"]]
    return [f"`{f['id']}`", f"{num(f['value'])} {f['unit']}", anchor, ratio,
            goal_text(f.get("goal"), f["unit"]), met]


def table(figs):
    rows = ["| figure | value | anchor | ratio | goal | met |", "|---|---|---|---|---|---|"]
    return rows + ["| " + " | ".join(c.replace("|", "\\|") for c in cells(f)) + " |"
                   for f in figs]


def notes(figs):
    out = []
    for f in figs:
        if f.get("missing"):
            continue
        stat = f"{f.get('stat', 'median')}{' of ' + str(f['n']) if 'n' in f else ''}"
        a = f.get("anchor")
        cite = f" (the anchor: {a['cite']})" if a and a["source"] == "published" else ""
        out.append(f"- `{f['id']}` ({stat}): {f['what']}{cite}")
    return out


def headline(report):
    """The figures with a goal (a failed bench's are said with it)."""
    return [f for b in report["benches"] for f in b["figures"] if f.get("goal")]


def bench_state(b):
    if b["rc"] is None:
        return "not run" if b["wall_ms"] is None else "did not end"
    return "ok" if b["rc"] == 0 else f"**failed** (exit {b['rc']}): its figures are missing"


def markdown(report):
    m, c = report["machine"], report["commit"]
    test_bed = "/dev/kvm present" if m["kvm"] else "no /dev/kvm: the QEMU benches under TCG"
    out = ["# bulkhead: `make bench`", "",
           f"Commit {c['id']}{' + uncommitted changes' if c['uncommitted'] else ''}, "
           f"{report['date']}.  ",
           f"Machine: {m['cpu']}, {m['cpus']} CPUs, {m['memory_gib']} GiB, Linux {m['kernel']}, "
           f"{test_bed}.  ",
           f"Wall time: {duration(report['wall_ms'])}, the benches one after the other.", "",
           "A noisy shared machine and QEMU under TCG: compare runs on one machine; this is "
           "never a pass/fail test.  Ratio: value / anchor.", ""]
    if report["problems"]:
        out += ["## Problems", ""] + [f"- {p}" for p in report["problems"]] + [""]
    out += ["| bench | wall time | |", "|---|---|---|"]
    out += [f"| {b['name']} | {duration(b['wall_ms'])} | {bench_state(b)} |"
            for b in report["benches"]]
    out += ["", "## Goals", ""] + table(headline(report)) + [""]
    for b in report["benches"]:
        about = notes(b["figures"])
        out += [f"## {b['name']}", ""] + table(b["figures"]) + [""] + about + ([""] if about else [])
    return "\n".join(out)


def plain_table(figs):
    """The headline for a terminal: columns padded."""
    rows = [["figure", "value", "anchor", "ratio", "goal", "met"]]
    rows += [[c.strip("`") for c in cells(f)] for f in figs]
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


def build_report(log_path):
    with open(log_path, encoding="utf-8", errors="replace") as f:
        benches, problems = read_log(f, os.path.basename(log_path))
    listed = report_benches(benches, problems)
    return {"commit": commit(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
            "wall_ms": sum(b["wall_ms"] or 0 for b in listed),
            "benches": listed, "problems": problems}


def main(argv):
    if argv == ["--benches"]:
        print("\n".join(BENCHES))
        return 0
    if len(argv) != 2:
        sys.exit(__doc__)
    report = build_report(argv[0])
    md, js = os.path.join(argv[1], "REPORT.md"), os.path.join(argv[1], "REPORT.json")
    with open(md, "w", encoding="utf-8") as f:
        f.write(markdown(report))
    with open(js, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1, ensure_ascii=False)
        f.write("\n")
    for p in report["problems"]:
        print(f"report: {p}", file=sys.stderr)
    print("\n".join(plain_table(headline(report))))
    print(f"report: {md}")
    failed = [b["name"] for b in report["benches"] if b["rc"] != 0]
    if failed:
        print(f"report: failed or not run: {' '.join(failed)}", file=sys.stderr)
    return 1 if failed or report["problems"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
