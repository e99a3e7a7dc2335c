"""``python -m bench``: time minigrad against NumPy (and PyTorch when installed).

Each requested thread count runs in its own worker process, started with the OpenMP, OpenBLAS
and MKL thread variables set, so that every library uses the same number of threads (torch and
minigrad are also told explicitly). Every case's agreement check runs before it is timed.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "MINIGRAD_NUM_THREADS")
LIBS = ("minigrad", "numpy", "torch")


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true",
                   help="tiny sizes and short timings: a smoke test that every case runs and "
                        "agrees with NumPy (exit status 1 otherwise)")
    p.add_argument("--threads", default=None,
                   help="comma-separated thread counts, one worker process each "
                        "(default: all cores)")
    p.add_argument("--filter", default="",
                   help="only cases whose 'group name' contains this (case-insensitive)")
    p.add_argument("--json", dest="json_path", help="write all results to this JSON file")
    p.add_argument("--markdown", dest="markdown_path", help="write the tables as Markdown")
    p.add_argument("--plot", dest="plot_path", help="bar chart of ratios (needs matplotlib)")
    p.add_argument("--min-time", type=float, default=None,
                   help="seconds of timed calls per measurement (default 0.25; 0.01 with "
                        "--quick)")
    p.add_argument("--worker", help=argparse.SUPPRESS)  # internal: write one run's JSON here
    args = p.parse_args(argv)
    try:
        args.thread_counts = ([int(n) for n in args.threads.split(",")] if args.threads
                              else [os.cpu_count() or 1])
    except ValueError:
        p.error(f"--threads: expected comma-separated integers, got {args.threads!r}")
    if any(n < 1 for n in args.thread_counts):
        p.error("--threads: thread counts must be >= 1")
    return args


def selected(cases, pattern: str) -> list:
    pattern = pattern.lower()
    return [c for c in cases if pattern in f"{c.group} {c.name}".lower()]


def run_case(c, quick: bool, min_time: float, warmup_time: float, have_torch: bool) -> dict:
    """Build, check and time one case; failures are recorded in the entry, never raised."""
    from bench.cases import Skip
    from bench.timer import GOAL_ROUNDS, measure

    entry: dict = {"group": c.group, "name": c.name, "status": "ok", "check": "n/a"}
    for lib in LIBS:
        entry[lib] = entry[f"{lib}_iqr"] = None
    try:
        impl = c.build(quick)
    except Skip as e:
        entry.update(status="skipped", reason=str(e))
        return entry
    except Exception as e:  # noqa: BLE001 - one broken case must not stop the suite
        entry.update(status="error", reason=_short_error(e))
        return entry
    if impl.check is not None:
        try:
            impl.check()
            entry["check"] = "ok"
        except Exception as e:  # noqa: BLE001 - AssertionError or a crash: both disagree
            entry["check"] = f"FAILED: {_short_error(e)}"
    # A case with a speed goal is timed in GOAL_ROUNDS rounds, each library once per round,
    # and each library's median round is kept: a burst of load from another process then
    # lands in a round or two of one library instead of deciding the goal. The order of the
    # libraries turns round every other round, so that none always runs right after another
    # library's threads (which may still be spinning).
    rounds = GOAL_ROUNDS if c.targets and not quick else 1
    try:
        timed: dict = {}
        for r in range(rounds):
            for lib in (LIBS if r % 2 == 0 else LIBS[::-1]):
                fn = getattr(impl, lib)
                if fn is None or (lib == "torch" and not have_torch):
                    continue
                timed.setdefault(lib, []).append(
                    measure(fn, min_time=min_time, warmup_time=warmup_time))
        for lib, ms in timed.items():
            m = sorted(ms, key=lambda m: m.median)[len(ms) // 2]
            k = impl.scale.get(lib, 1.0)
            entry[lib], entry[f"{lib}_iqr"] = m.median * k, m.iqr * k
        entry["extra"] = {name: measure(fn, min_time=min_time, warmup_time=warmup_time).median
                          for name, fn in impl.extra.items()}
        if impl.note is not None:
            entry["note"] = impl.note if isinstance(impl.note, str) else impl.note(entry)
    except Exception as e:  # noqa: BLE001
        entry.update(status="error", reason=_short_error(e))
        return entry
    if not quick:
        entry["targets"] = []
        for t in c.targets:
            judged = t.evaluate(entry)
            if judged is not None:
                entry["targets"].append({"target": t.describe(), "source": t.source,
                                         "measured": judged[0], "met": bool(judged[1])})
    return entry


def _short_error(e: BaseException) -> str:
    where = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
    loc = f" ({os.path.basename(where.filename)}:{where.lineno})" if where else ""
    text = " ".join(str(e).split())
    return f"{type(e).__name__}: {text[:300]}{loc}"


def run_worker(args: argparse.Namespace) -> dict:
    """Time every selected case with the thread count this process was started with."""
    import minigrad
    from bench import machine, report
    from bench.cases import load_all, torch_or_none

    threads = int(os.environ["OMP_NUM_THREADS"])
    minigrad.set_num_threads(threads)
    torch = torch_or_none()
    if torch is not None:
        torch.set_num_threads(threads)
    min_time = args.min_time or (0.01 if args.quick else 0.25)
    # With one thread no pool is left spinning; otherwise give other pools time to sleep.
    warmup_time = 0.0 if args.quick or threads == 1 else 0.1
    _wake_up(torch, 0.05 if args.quick else 0.3)
    results = []
    started = time.perf_counter()
    load_start = _load_average()
    for c in selected(load_all(), args.filter):
        entry = run_case(c, args.quick, min_time, warmup_time, torch is not None)
        results.append(entry)
        print(f"  [{threads} thread(s)] {report.progress_line(entry)}", file=sys.stderr,
              flush=True)
    return {"machine": machine.describe(threads), "quick": bool(args.quick),
            "seconds": round(time.perf_counter() - started, 1),
            "load_average": [load_start, _load_average()], "results": results}


def _wake_up(torch, seconds: float) -> None:
    """Run a matmul in every library for a while before the first case: thread pools start,
    the CPU leaves its idle clock, and the first case is not charged for it."""
    import numpy as np

    import minigrad
    from bench.timer import measure

    a = np.ones((256, 256), np.float32)
    fns = [lambda: a @ a, lambda: minigrad.from_numpy(a) @ minigrad.from_numpy(a)]
    if torch is not None:
        fns.append(lambda: torch.from_numpy(a) @ torch.from_numpy(a))
    for fn in fns:
        measure(fn, min_time=0.001, min_blocks=1, warmup=0, warmup_time=seconds)


def _load_average() -> float | None:
    """The 1-minute load average: above the core count, other processes compete for the CPUs
    and the timings (most of all multi-threaded ones) suffer."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):  # not on every platform
        return None


def failed(run: dict) -> list:
    """Entries whose check failed or that raised (skips are fine)."""
    return [r for r in run["results"]
            if r["status"] == "error" or r["check"].startswith("FAILED")]


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker:
        run = run_worker(args)
        with open(args.worker, "w") as f:
            json.dump(run, f)
        return 1 if failed(run) else 0
    from bench import report

    runs = []
    status = 0
    for n in args.thread_counts:
        env = dict(os.environ, **{v: str(n) for v in THREAD_VARS})
        fd, path = tempfile.mkstemp(suffix=".json", prefix="bench-")
        os.close(fd)
        try:
            cmd = [sys.executable, "-m", "bench", "--worker", path] + _forwarded(args)
            proc = subprocess.run(cmd, env=env, check=False)  # a failed check still reports
            try:
                with open(path) as f:
                    run = json.load(f)
            except (OSError, ValueError):
                print(f"bench: the worker for {n} thread(s) crashed (exit status "
                      f"{proc.returncode})", file=sys.stderr)
                return proc.returncode or 1
        finally:
            os.unlink(path)
        status = status or proc.returncode
        runs.append(run)
        print(report.machine_text(run["machine"]))
        print(report.console(run))
        print(report.run_text(run))
        print()
    if not args.quick:
        print(report.targets_text(runs))
    command = " ".join(["python -m bench"] + list(sys.argv[1:] if argv is None else argv))
    if args.json_path:
        report.write_json(runs, args.json_path)
    if args.markdown_path:
        with open(args.markdown_path, "w", encoding="utf-8") as f:
            f.write(report.markdown(runs, command))
    if args.plot_path:
        report.plot(runs, args.plot_path)
    for run in runs:
        for r in failed(run):
            print(f"bench: {r['group']} / {r['name']} ({run['machine']['threads']} thread(s)): "
                  f"{r.get('reason') or r['check']}", file=sys.stderr)
    return 1 if status else 0


def _forwarded(args: argparse.Namespace) -> list:
    out = []
    if args.quick:
        out.append("--quick")
    if args.filter:
        out += ["--filter", args.filter]
    if args.min_time:
        out += ["--min-time", str(args.min_time)]
    return out


if __name__ == "__main__":
    sys.exit(main())
