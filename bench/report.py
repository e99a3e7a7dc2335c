"""Formatting results: the console table, Markdown, JSON, the targets summary and a plot.

A run is the dict a worker writes: ``{"machine": ..., "quick": bool, "seconds": float,
"results": [entry, ...]}``; an entry holds the medians in seconds per call (``minigrad``,
``numpy``, ``torch``, each with ``<lib>_iqr``), ``status`` (ok / skipped / error), ``check``
(ok / n/a / FAILED: ...), and optionally ``note``, ``reason`` and ``targets``.
"""
from __future__ import annotations

import json

from bench.timer import GOAL_ROUNDS


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} us" if seconds < 1e-5 else f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def fmt_ratio(r: float) -> str:
    if r >= 100:
        return f"{r:,.0f}"
    return f"{r:.1f}" if r >= 10 else f"{r:.2f}"


def ratio_text(ours: float | None, other: float | None, times: str = "x") -> str:
    """'3.10x faster' when minigrad (ours) takes less time than other, else '2.00x slower'."""
    if not other or not ours:
        return "-"
    r = other / ours
    return f"{fmt_ratio(r)}{times} faster" if r >= 1 else f"{fmt_ratio(1 / r)}{times} slower"


def _has_torch(results: list) -> bool:
    return any(r.get("torch") is not None for r in results)


def header(with_torch: bool, ascii_only: bool = False) -> tuple:
    pm = "+/-" if ascii_only else "±"
    cols = ("case", f"minigrad (median {pm} IQR)", "NumPy", "minigrad vs NumPy")
    if with_torch:
        cols += ("PyTorch", "minigrad vs PyTorch")
    return cols + ("agrees",)


def row(r: dict, with_torch: bool, ascii_only: bool = False) -> tuple:
    pm, times = ("+/-", "x") if ascii_only else ("±", "×")
    width = len(header(with_torch))
    if r["status"] != "ok":
        return (r["name"], f"{r['status']}: {r.get('reason', '')}") + ("-",) * (width - 2)
    cells = (r["name"], f"{fmt_time(r['minigrad'])} {pm} {fmt_time(r['minigrad_iqr'])}",
             fmt_time(r["numpy"]), ratio_text(r["minigrad"], r["numpy"], times))
    if with_torch:
        cells += (fmt_time(r.get("torch")), ratio_text(r["minigrad"], r.get("torch"), times))
    return cells + (r["check"],)


def _groups(results: list) -> dict:
    groups: dict = {}
    for r in results:
        groups.setdefault(r["group"], []).append(r)
    return groups


def _notes(items: list) -> list:
    return [f"{r['name']}: {r['note']}" for r in items if r.get("note")]


def console(run: dict) -> str:
    """Plain-text tables, one per group, for one thread count."""
    results = run["results"]
    with_torch = _has_torch(results)
    lines = [f"== {run['machine']['threads']} thread(s) =="]
    for group, items in _groups(results).items():
        table = [header(with_torch, ascii_only=True)]
        table += [row(r, with_torch, ascii_only=True) for r in items]
        widths = [max(len(str(line[i])) for line in table) for i in range(len(table[0]))]
        lines.append(f"\n[{group}]")
        lines += ["  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip()
                  for line in table]
        lines += [f"  note - {n}" for n in _notes(items)]
    return "\n".join(lines)


def progress_line(r: dict) -> str:
    """One line per finished case (printed to stderr as the suite runs)."""
    what = f"{r['group']} / {r['name']}"
    if r["status"] != "ok":
        return f"{what}: {r['status']}: {r.get('reason', '')}"
    times = ", ".join(f"{lib} {fmt_time(r[lib])}" for lib in ("minigrad", "numpy", "torch")
                      if r.get(lib) is not None)
    return f"{what}: {times} [check {r['check']}]"


def machine_text(machine: dict) -> str:
    be = machine["minigrad_backend"]
    openmp = "yes" if be.get("openmp") else "no"
    used = ", ".join(f"{k} {v}" for k, v in machine.get("threads_used", {}).items())
    return (f"CPU: {machine['cpu']} ({machine['cores']} cores) | threads: {machine['threads']}"
            f"{f' ({used})' if used else ''}"
            f" | minigrad {machine['minigrad']}: {be.get('backend')} backend, SIMD "
            f"{be.get('simd')}, OpenMP {openmp} | NumPy {machine['numpy']} | PyTorch "
            f"{machine['torch']} | Python {machine['python']}")


def run_text(run: dict) -> str:
    """How long the run took and how busy the machine was (1-minute load average)."""
    load = run.get("load_average") or [None, None]
    if None in load:
        return f"Run time {run['seconds']:.0f} s."
    return (f"Run time {run['seconds']:.0f} s; 1-minute load average {load[0]:.2f} at the start "
            f"and {load[1]:.2f} at the end, on {run['machine']['cores']} cores (above the "
            "core count other processes were competing for the CPUs).")


def targets_rows(runs: list) -> list:
    """[(case, target, source, {threads: 'measured met'})] over all runs, in case order."""
    table: dict = {}
    for run in runs:
        n = run["machine"]["threads"]
        for r in run["results"]:
            for t in r.get("targets", ()):
                key = (f"{r['group']} / {r['name']}", t["target"], t["source"])
                table.setdefault(key, {})[n] = t
    return [(k[0], k[1], k[2], v) for k, v in table.items()]


def targets_text(runs: list, markdown: bool = False) -> str:
    """The issues' speed goals against this run: one line per (case, goal)."""
    rows_ = targets_rows(runs)
    if not rows_:
        return ""
    counts = [run["machine"]["threads"] for run in runs]
    head = ["case", "goal", "from"] + [f"{n} thread(s)" for n in counts]
    body = []
    for case, target, source, by_threads in rows_:
        cells = [case, target, source]
        for n in counts:
            t = by_threads.get(n)
            cells.append("-" if t is None else f"{t['measured']} {'met' if t['met'] else 'NOT met'}")
        body.append(cells)
    met = sum(t["met"] for *_, v in rows_ for t in v.values())
    total = sum(len(v) for *_, v in rows_)
    summary = f"{met} of {total} goal checks met."
    if markdown:
        return "\n".join(["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
                         + ["| " + " | ".join(c) + " |" for c in body] + ["", summary])
    widths = [max(len(line[i]) for line in [head] + body) for i in range(len(head))]
    lines = ["== speed goals (issues 3, 5, 6) =="]
    lines += ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip()
              for line in [head] + body]
    return "\n".join(lines + [summary])


def markdown(runs: list, command: str) -> str:
    """The whole report as Markdown: method, then per thread count the machine and tables,
    then the speed goals."""
    lines = ["# Benchmarks", "",
             (f"Produced by `{command}`; regenerate with the same command from the repository "
             "root (add `--quick` for a fast smoke run). Method: warm-up, then timed blocks "
             "until at least 5 blocks and the minimum time, as `torch.utils.benchmark` does; "
             "times are medians per call, ± the interquartile range of the blocks; cases with "
             f"a speed goal are timed in {GOAL_ROUNDS} rounds (each library once per round, the "
             "order reversed every other round) and keep each library's median round. Every "
             "library gets the same thread count, data and dtype (float32 unless the case "
             "says float64). \"agrees\" is the check that minigrad's result equals the NumPy "
             "baseline's (the textbook implementations in `bench/textbook/`). The MNIST case "
             "runs when `MINIGRAD_DATA` points at the folder holding `mnist/`."), ""]
    for run in runs:
        results = run["results"]
        with_torch = _has_torch(results)
        lines += [f"## {run['machine']['threads']} thread(s)", "",
                  machine_text(run["machine"]), "", run_text(run), ""]
        if run.get("quick"):
            lines += ["(quick run: tiny sizes, short timings; times are not meaningful)", ""]
        for group, items in _groups(results).items():
            head = header(with_torch)
            lines += [f"### {group}", "", "| " + " | ".join(head) + " |",
                      "|" + "---|" * len(head)]
            lines += ["| " + " | ".join(row(r, with_torch)) + " |" for r in items]
            notes = _notes(items)
            if notes:
                lines += [""] + [f"- {n}" for n in notes]
            lines.append("")
    goals = targets_text(runs, markdown=True)
    if goals:
        lines += ["## Speed goals (issues 3, 5, 6)", "", goals, ""]
    return "\n".join(lines)


def write_json(runs: list, path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(runs, f, indent=1)


def plot(runs: list, path: str) -> None:
    """Horizontal bars per case: how many times faster minigrad is than NumPy and PyTorch
    (log scale; matplotlib is optional)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SystemExit("--plot needs matplotlib: pip install matplotlib") from None
    n_cases = max(len(run["results"]) for run in runs)
    fig, axes = plt.subplots(1, len(runs), figsize=(7 * len(runs), 0.22 * n_cases + 1.5),
                             squeeze=False, sharey=True)
    for ax, run in zip(axes[0], runs):
        done = [r for r in run["results"] if r["status"] == "ok" and r["minigrad"]]
        labels = [f"{r['group']}: {r['name']}" for r in done]
        ys = range(len(done))
        for lib, offset, color in (("numpy", -0.2, "tab:blue"), ("torch", 0.2, "tab:orange")):
            ratios = [(r.get(lib) or 0) / r["minigrad"] for r in done]
            if any(ratios):
                ax.barh([y + offset for y in ys], ratios, height=0.4, color=color,
                        label=f"{'NumPy' if lib == 'numpy' else 'PyTorch'} time / minigrad time")
        ax.set_yticks(list(ys))
        ax.set_yticklabels(labels, fontsize=6)
        ax.invert_yaxis()
        ax.axvline(1.0, color="k", lw=0.8)
        ax.set_xscale("log")
        ax.set_title(f"{run['machine']['threads']} thread(s): > 1 means minigrad is faster",
                     fontsize=9)
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
