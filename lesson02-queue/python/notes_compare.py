"""Our CPython counterpart of the notes' comparison (多线程多进程效率对比), step for step."""
import multiprocessing
import threading
import time

fork = multiprocessing.get_context("fork")


def job(queue):
    total = 0
    for i in range(1_000_000):
        total += i + i**2 + i**3
    queue.put(total)


def multicore():
    queue = fork.Queue()
    p1 = fork.Process(target=job, args=(queue,))
    p2 = fork.Process(target=job, args=(queue,))
    p1.start()
    p2.start()
    p1.join()
    p2.join()
    print("multicore:", queue.get() + queue.get())


def normal():
    total = 0
    for _ in range(2):
        for i in range(1_000_000):
            total += i + i**2 + i**3
    print("normal:", total)


def multithread():
    queue = fork.Queue()
    t1 = threading.Thread(target=job, args=(queue,))
    t2 = threading.Thread(target=job, args=(queue,))
    t1.start()
    t2.start()
    t1.join()
    t2.join()
    print("multithread:", queue.get() + queue.get())


if __name__ == "__main__":
    st = time.time()
    normal()
    st1 = time.time()
    print("normal time:", st1 - st)
    multithread()
    st2 = time.time()
    print("multithread time:", st2 - st1)
    multicore()
    print("multicore time:", time.time() - st2)
