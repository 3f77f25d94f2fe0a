"""Benchmark: wall time of the ``ogpu`` command line on a running devnet, and what it imports.

Starts a fresh devnet, then runs (each ``--repeat`` times; median and min of the wall time and of
the process's CPU time, user + system, which a busy machine disturbs less)

* ``ogpu --help``,
* ``ogpu --network devnet vault balance`` (``OGPU_DEVNET_HOME`` points at the devnet),

as separate processes through the installed ``ogpu`` console script, like a user would; as
baselines of the same run, ``python -c pass`` (interpreter start-up) and, with
``--baseline DIR``, the same commands with the ``ogpu`` package of another checkout (e.g.
``git worktree add --detach /tmp/base main``) on the same devnet and libraries, the two
alternating run by run, with the ratio ours/baseline. ``DIR`` comes first on the baseline's
``PYTHONPATH``, so a directory holding a link to the other checkout's ``ogpu`` and the other
version of a library (e.g. the typer that checkout pins, unpacked from its wheel) measures the
baseline with its own pins. Then ``python -X importtime`` of
``ogpu vault balance`` lists the packages with the largest import time (top-level packages, so
web3 and its dependencies show up as one line each).
Target: ``ogpu vault balance`` <= 300 ms wall.

Run: ``.venv/bin/python bench/cli_wall.py [--repeat 10] [--top 15] [--baseline DIR] [--quick]``
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import REPO, cpu_count_note, emit, fresh_devnet

TARGET_MS = 300.0


def _env(home: Path, checkout: Path = REPO) -> dict[str, str]:
    env = dict(os.environ)
    env["OGPU_DEVNET_HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(checkout), env.get("PYTHONPATH", "")) if p)
    # a user's installation has its bytecode compiled: let the warm-up run write it
    for var in ("OGPU_NETWORK", "CLIENT_PRIVATE_KEY", "PYTHONDONTWRITEBYTECODE"):
        env.pop(var, None)
    return env


def _ogpu() -> list[str]:
    script = Path(sys.executable).with_name("ogpu")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ogpu.cli"]


def _once(cmd: Sequence[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall s, CPU s) of one run of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(list(cmd), env=env, capture_output=True, text=True, cwd=cwd)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {r.stderr.strip()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def _stats(samples: list[tuple[float, float]]) -> dict[str, Any]:
    walls, cpus = [w for w, _ in samples], [c for _, c in samples]
    return {
        "median_ms": round(statistics.median(walls) * 1000, 1),
        "min_ms": round(min(walls) * 1000, 1),
        "cpu_median_ms": round(statistics.median(cpus) * 1000, 1),
        "cpu_min_ms": round(min(cpus) * 1000, 1),
        "runs": len(samples),
    }


def wall(
    cmd: Sequence[str], envs: dict[str, dict[str, str]], repeat: int
) -> dict[str, dict[str, Any]]:
    """Wall and CPU time of ``cmd`` under each environment (label → env), alternating runs, after
    one untimed warm-up run each (bytecode compiled and cached, files in the page cache)."""
    samples: dict[str, list[tuple[float, float]]] = {label: [] for label in envs}
    for env in envs.values():
        _once(cmd, env, REPO)
    for _ in range(repeat):
        for label, env in envs.items():
            samples[label].append(_once(cmd, env, REPO))
    return {label: _stats(got) for label, got in samples.items()}


def _compared(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Ours, and with a baseline: the baseline and the ratios ours/baseline."""
    ours = results["ours"]
    base = results.get("baseline")
    if base is None:
        return ours
    return {
        "ours": ours,
        "baseline": base,
        "ratio_wall": round(ours["median_ms"] / base["median_ms"], 3),
        "ratio_cpu": round(ours["cpu_median_ms"] / base["cpu_median_ms"], 3),
    }


def import_offenders(env: dict[str, str], top: int) -> dict[str, Any]:
    """Import time of ``ogpu vault balance``, summed per top-level package (self time of each
    module, so a package's dependencies count under their own names), largest first."""
    code = (
        "import sys; from ogpu.cli import main; "
        "sys.argv = ['ogpu', '--network', 'devnet', 'vault', 'balance']; main()"
    )
    r = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        # not the repository: ``-c`` puts the working directory first on sys.path, and this
        # checkout's ogpu would shadow the baseline's
        cwd=env["OGPU_DEVNET_HOME"],
    )
    rows: list[tuple[int, str, int]] = []  # (depth, module, self us), children before parents
    for line in r.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, _cumulative_us, name = line.split(":", 1)[1].split("|", 2)
        indent = len(name) - len(name.lstrip())  # one space, then two per nesting level
        rows.append(((indent - 1) // 2, name.strip(), int(self_us)))
    per_package: dict[str, int] = {}
    via: dict[str, str] = {}
    for i, (depth, module, self_us) in enumerate(rows):
        package = module.split(".")[0]
        per_package[package] = per_package.get(package, 0) + self_us
        if package not in via:
            # the importer: the next line one level up that belongs to another package
            want = depth - 1
            for d, parent, _ in rows[i + 1 :]:
                if d == want:
                    if parent.split(".")[0] != package:
                        via[package] = parent
                        break
                    want -= 1
    total = sum(per_package.values())
    ranked = sorted(per_package.items(), key=lambda kv: kv[1], reverse=True)[:top]
    return {
        "all_imports_ms": round(total / 1000, 1),
        "modules_imported": sum(1 for ln in r.stderr.splitlines() if ln.startswith("import time:"))
        - 1,
        "top_packages": [
            {
                "package": name,
                "self_ms": round(us / 1000, 1),
                "share": round(us / total, 3),
                "first_imported_by": via.get(name, "(the program)"),
            }
            for name, us in ranked
        ],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument(
        "--baseline",
        type=Path,
        help="another checkout whose ogpu package runs the same commands, alternating with ours",
    )
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    ap.add_argument("--out", help="also write the JSON results to this file")
    ap.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = ap.parse_args(argv)
    if args.quick:
        args.repeat, args.top = 2, 5
    results: dict[str, Any] = {"machine": cpu_count_note()}
    with fresh_devnet() as d:
        envs = {"ours": _env(d.home)}
        if args.baseline is not None:
            envs["baseline"] = _env(d.home, args.baseline.resolve())
            results["baseline_checkout"] = str(args.baseline)
        results["chain_length"] = d.rpc.block_number()
        results["python -c pass (baseline)"] = wall(
            [sys.executable, "-c", "pass"], {"ours": envs["ours"]}, args.repeat
        )["ours"]
        results["ogpu --help"] = _compared(wall([*_ogpu(), "--help"], envs, args.repeat))
        measured = wall([*_ogpu(), "--network", "devnet", "vault", "balance"], envs, args.repeat)
        results["ogpu vault balance"] = _compared(measured)
        results["import_offenders (ogpu vault balance)"] = import_offenders(envs["ours"], args.top)
        if "baseline" in envs:
            results["modules_imported (ogpu vault balance, baseline)"] = import_offenders(
                envs["baseline"], 0
            )["modules_imported"]
    balance = measured["ours"]
    results["target"] = {
        f"ogpu vault balance <= {TARGET_MS:.0f} ms": balance["median_ms"],
        "met": balance["median_ms"] <= TARGET_MS,
    }
    emit(results, args.out)
    return 1 if (args.strict and balance["median_ms"] > TARGET_MS) else 0


if __name__ == "__main__":
    sys.exit(main())
