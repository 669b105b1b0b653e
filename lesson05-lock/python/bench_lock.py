"""CPython counterpart of `lesson05-lock --bench`: two processes each add 1 to a shared value
COUNT times, taking a multiprocessing.Lock around every increment. Forks, as the notes do.

Prints two figures, each the median of --runs runs:
- `lock increments: <N> ops/s`, the line the Rust lesson compares with its own: the value is
  `Value('i', 0, lock=False)`, so the explicit Lock is the only lock, as in the Rust benchmark;
- `lock increments, notes' Value: <N> ops/s`: the notes' `Value('i', 0)`, which also takes its
  own built-in lock at each read and at each write of `value.value`.

Then `lock hand-overs: <N> /s`: two processes strictly take turns adding 1 to a shared value
(TURNS turns in all), each waiting for its turn asleep in `acquire()`, as the Rust lesson's
`handover.rs` does: they pass three locks hand over hand, so that the process that has just
released a lock never takes it straight back. Each turn wakes the other process.

Usage: python3 bench_lock.py [--count N] [--runs R] [--turns TURNS]
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


def take_turns(locks, value, first, turns, ready):
    # Before turn k this process holds lock (k + 1) % 3; it waits for lock k % 3, which the
    # other holds until its own turn is done, then releases (k + 1) % 3, which the other waits on.
    held = locks[(first + 1) % 3]
    held.acquire()
    ready.set()
    in_order = True
    for k in range(first, turns, 2):
        locks[k % 3].acquire()  # asleep here until the other has added and released it
        in_order = in_order and value.value == k
        value.value = k + 1
        held.release()  # wakes the other process
        held = locks[k % 3]
    held.release()
    sys.exit(0 if in_order else 1)


def one_handover_run(turns):
    fork = multiprocessing.get_context("fork")
    locks = [fork.Lock() for _ in range(3)]
    value = fork.Value("i", 0, lock=False)
    # The parent holds lock 0, the first turn's, until both children hold their first lock;
    # the second starts only once the first holds lock 1, which the second asks for first.
    locks[0].acquire()
    workers = []
    for first in (0, 1):
        ready = fork.Event()
        worker = fork.Process(target=take_turns, args=(locks, value, first, turns, ready))
        worker.start()
        workers.append(worker)
        if not ready.wait(10):
            sys.exit("a child did not take its first lock within 10 s")
    began = time.perf_counter()
    locks[0].release()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    if any(worker.exitcode != 0 for worker in workers) or value.value != turns:
        sys.exit(f"wrong result: value {value.value}, expected {turns}; "
                 f"exit codes {[worker.exitcode for worker in workers]} (1: a turn out of order)")
    return elapsed


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--turns", type=int, default=40_000)
    args = parser.parse_args()
    if args.count < 1 or args.runs < 1 or args.turns < 1:
        parser.error("--count, --runs and --turns must be at least 1")
    for label, value_lock in (("lock increments", False), ("lock increments, notes' Value", True)):
        seconds = statistics.median(one_run(args.count, value_lock) for _ in range(args.runs))
        print(f"{label}: {2 * args.count / seconds:.0f} ops/s", flush=True)
    seconds = statistics.median(one_handover_run(args.turns) for _ in range(args.runs))
    print(f"lock hand-overs: {args.turns / seconds:.0f} /s  "
          f"({seconds / args.turns * 1e6:.2f} µs per hand-over)", flush=True)
