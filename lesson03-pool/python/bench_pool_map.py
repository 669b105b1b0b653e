"""CPython counterpart of `lesson03-pool --bench`: multiprocessing.Pool.map of x * x over
N items with W worker processes, the median of R timed runs after one warm-up, each
result checked. Prints `pool map throughput: <N> items/s`, the line the Rust lesson
reads back. The workers start by fork, as the notes' pool does, named with get_context so
that Python 3.14 (default forkserver) measures the same pool.

Usage: python3 bench_pool_map.py [--items N] [--workers W] [--runs R]
"""
import argparse
import multiprocessing
import statistics
import time


def square(x):
    return x * x


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    expected = list(map(square, range(args.items)))
    samples = []
    with multiprocessing.get_context("fork").Pool(processes=args.workers) as pool:
        pool.map(square, range(args.workers))  # warm-up: the workers are up and running
        for _ in range(args.runs):
            began = time.perf_counter()
            squares = pool.map(square, range(args.items))
            samples.append(time.perf_counter() - began)
            if squares != expected:
                raise SystemExit("wrong result: the squares differ")
    print(f"pool map throughput: {args.items / statistics.median(samples):.0f} items/s")


if __name__ == "__main__":
    main()
