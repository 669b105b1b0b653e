"""CPython counterpart of `lesson02-queue --bench`: one process puts N integers on a
multiprocessing.Queue, the parent gets and sums them. Prints `queue throughput: <N> msgs/s`,
the line the Rust lesson reads back. Forks, as the Rust benchmark does.
Usage: python3 bench_queue.py [--messages N]"""
import argparse
import multiprocessing
import time


def producer(queue, messages):
    for value in range(messages):
        queue.put(value)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    messages = parser.parse_args().messages
    fork = multiprocessing.get_context("fork")
    queue = fork.Queue()
    began = time.perf_counter()
    child = fork.Process(target=producer, args=(queue, messages))
    child.start()
    total = sum(queue.get() for _ in range(messages))
    child.join()
    elapsed = time.perf_counter() - began
    if total != messages * (messages - 1) // 2 or child.exitcode != 0:
        raise SystemExit(f"wrong result: sum {total}, producer exit code {child.exitcode}")
    print(f"queue throughput: {messages / elapsed:.0f} msgs/s")


if __name__ == "__main__":
    main()
