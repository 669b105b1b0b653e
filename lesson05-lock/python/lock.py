"""CPython counterpart of lesson05-lock's src/notes.rs: two processes add 1 and 3 to one
shared Value, ten times each, each holding one Lock for all ten steps.

Usage: python3 lock.py [fork|spawn|forkserver]   (default: fork, as the notes assume)
"""
import multiprocessing
import sys
import time


def job(total, adds, lock):
    lock.acquire()
    for _ in range(10):
        time.sleep(0.1)
        total.value += adds
        print(total.value, flush=True)
    lock.release()


def multicore(context):
    lock = context.Lock()
    total = context.Value("i", 0)
    p1 = context.Process(target=job, args=(total, 1, lock))
    p2 = context.Process(target=job, args=(total, 3, lock))
    p1.start()
    p2.start()
    p1.join()
    p2.join()


if __name__ == "__main__":
    multicore(multiprocessing.get_context(sys.argv[1] if len(sys.argv) > 1 else "fork"))
