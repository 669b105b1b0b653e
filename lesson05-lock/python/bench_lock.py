"""CPython counterpart of `lesson05-lock --bench`: two processes each add 1 to a shared value
COUNT times, taking a multiprocessing.Lock around every increment. Forks, as the notes do.

Prints two figures, each the median of --runs runs:
- `lock increments: <N> ops/s`, the line the Rust lesson compares with its own: the value is
  `Value('i', 0, lock=False)`, so the explicit Lock is the only lock, as in the Rust benchmark;
- `lock increments, notes' Value: <N> ops/s`: the notes' `Value('i', 0)`, which also takes its
  own built-in lock at each read and at each write of `value.value`.

Usage: python3 bench_lock.py [--count N] [--runs R]
"""
import argparse
import multiprocessing
import statistics
import sys
import time


def add_one(lock, value, count):
    for _ in range(count):
        with lock:
            value.value += 1


def one_run(count, value_lock):
    fork = multiprocessing.get_context("fork")
    lock = fork.Lock()
    value = fork.Value("i", 0, lock=value_lock)
    workers = [fork.Process(target=add_one, args=(lock, value, count))
               for _ in range(2)]
    # Hold the lock while both start, so that they start counting together.
    lock.acquire()
    for worker in workers:
        worker.start()
    began = time.perf_counter()
    lock.release()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    if any(worker.exitcode != 0 for worker in workers) or value.value != 2 * count:
        sys.exit(f"wrong result: value {value.value}, expected {2 * count}; "
                 f"exit codes {[worker.exitcode for worker in workers]}")
    return elapsed


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.count < 1 or args.runs < 1:
        parser.error("--count and --runs must be at least 1")
    for label, value_lock in (("lock increments", False), ("lock increments, notes' Value", True)):
        seconds = statistics.median(one_run(args.count, value_lock) for _ in range(args.runs))
        print(f"{label}: {2 * args.count / seconds:.0f} ops/s", flush=True)
