"""Every benchmark table in one run (issue 7): `python bench/run_all.py` or `make bench`.

Usage: python bench/run_all.py [--skip-1m] [--skip-scale] [--profile]
Each script runs in its own interpreter, one after another, so none measures another's leftovers:
indexing (cold, which also fills the seed embedding cache the others reuse), floor and overhead, ours
beside a plain pipeline, `qa serve` start-up and memory, the HTTP API (concurrency; load during writes),
the cost of one add or delete, ingestion in-process and on Ray, and the scale tables
(10k, 100k and 1M chunks; --skip-1m stops at 100k, which saves about 10 minutes).
The machine is shared and noisy: the scripts repeat their measurements and report medians.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from common import ROOT, seed_data_dir


def run(script: str, *arguments: str) -> None:
    print(f"\n<!-- python bench/{script} {' '.join(arguments)} -->\n", flush=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "bench" / script), *arguments], cwd=ROOT, check=True)
    print(f"\n<!-- {script}: {time.perf_counter() - started:.0f} s -->", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-1m", action="store_true", help="scale tables at 10k and 100k only")
    parser.add_argument("--skip-scale", action="store_true", help="no scale tables at all")
    parser.add_argument("--profile", action="store_true", help="also write pyinstrument profiles to bench/out/")
    args = parser.parse_args()
    profile = ["--profile"] if args.profile else []
    print(f"# Benchmarks ({sys.platform}, Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M')})")
    run("bench_indexing.py", *profile)
    run("bench_overhead.py", *profile)
    run("bench_plain.py")
    run("bench_server.py")
    with seed_data_dir() as directory:
        run("bench_api.py", "--data-dir", str(directory))
        run("bench_load.py", "--data-dir", str(directory))
    run("bench_writes.py")
    run("bench_ingest.py")
    if not args.skip_scale:
        run("bench_scale.py", *(["--quick"] if args.skip_1m else []))


if __name__ == "__main__":
    main()
