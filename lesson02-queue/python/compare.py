"""CPython counterpart of `compare`: 2 * job(n) computed normally, by threads and by
processes, each timed, printed in the notes' format (`normal: <value>`, `normal time: <s>`).

Like the Rust version, the work is split: each of W workers loops twice over its share of
range(n), so every variant does the same 2n iterations. Processes start by fork, as in the
Rust version, named with get_context so that Python 3.14 (default forkserver) does the same.
Usage: python3 compare.py [--n N] [--workers W]"""
import argparse
import multiprocessing as mp
import threading
import time

fork = mp.get_context("fork")


def job_twice(start, stop, results):
    total = 0
    for _ in range(2):
        for i in range(start, stop):
            total += i + i**2 + i**3
    results.put(total)


def shares(n, workers):
    return [(n * w // workers, n * (w + 1) // workers) for w in range(workers)]


def normal(n, workers):
    results = fork.Queue()
    job_twice(0, n, results)
    return results.get()


def run_workers(make_worker, n, workers):
    results = fork.Queue()
    started = [make_worker(target=job_twice, args=(*share, results)) for share in shares(n, workers)]
    for worker in started:
        worker.start()
    total = sum(results.get() for _ in started)  # get before join: no deadlock
    for worker in started:
        worker.join()
    return total


def multithread(n, workers):
    return run_workers(threading.Thread, n, workers)


def multicore(n, workers):
    return run_workers(fork.Process, n, workers)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    n, workers = options.n, options.workers
    sum_i = n * (n - 1) // 2
    expected = 2 * (sum_i + (n - 1) * n * (2 * n - 1) // 6 + sum_i**2)  # closed form
    for name, variant in (("normal", normal), ("multithread", multithread), ("multicore", multicore)):
        began = time.time()
        total = variant(n, workers)
        elapsed = time.time() - began
        if total != expected:
            raise SystemExit(f"{name} gave {total}, expected {expected}")
        print(f"{name}:", total)
        print(f"{name} time:", elapsed)


if __name__ == "__main__":
    main()
