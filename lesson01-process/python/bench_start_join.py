"""CPython counterpart of `lesson01-process --bench`: median start+join latency per start method.

Prints `start+join fork: <ms> ms`, `start+join spawn: <ms> ms` and `start+join forkserver: <ms> ms`,
the lines the Rust lesson reads back. Each method is named with `get_context`, so the script
measures the same on Python 3.11 and on 3.14 (whose default on Linux is forkserver). The
warm-up run of forkserver also starts its server, so the server's start is not timed. Usage: python3 bench_start_join.py [--runs N]
"""
import argparse
import multiprocessing
import statistics
import time


def nothing():
    pass


def start_and_join(context):
    child = context.Process(target=nothing)
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"child exited with {child.exitcode}")


def median_ms(method, runs):
    context = multiprocessing.get_context(method)
    start_and_join(context)  # warm-up, not counted
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        start_and_join(context)
        samples.append(time.perf_counter() - began)
    return statistics.median(samples) * 1e3


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    runs = parser.parse_args().runs
    for method in ("fork", "spawn", "forkserver"):
        print(f"start+join {method}: {median_ms(method, runs):.3f} ms", flush=True)
