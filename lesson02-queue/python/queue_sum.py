"""Our CPython counterpart of the notes' queue program (Queue进程输出), step for step.

Usage: python3 queue_sum.py [fork|spawn|forkserver]   (default: fork, as the notes assume)
"""
import multiprocessing
import sys


def job(queue):
    total = 0
    for i in range(1000):
        total += i + i**2 + i**3
    queue.put(total)


if __name__ == "__main__":
    context = multiprocessing.get_context(sys.argv[1] if len(sys.argv) > 1 else "fork")
    queue = context.Queue()
    p1 = context.Process(target=job, args=(queue,))
    p2 = context.Process(target=job, args=(queue,))
    p1.start()
    p2.start()
    p1.join()
    p2.join()
    res1 = queue.get()
    res2 = queue.get()
    print(res1 + res2)
