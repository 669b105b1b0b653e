"""Our CPython counterpart of the notes' queue program (Queue进程输出), step for step."""
import multiprocessing

fork = multiprocessing.get_context("fork")


def job(queue):
    total = 0
    for i in range(1000):
        total += i + i**2 + i**3
    queue.put(total)


if __name__ == "__main__":
    queue = fork.Queue()
    p1 = fork.Process(target=job, args=(queue,))
    p2 = fork.Process(target=job, args=(queue,))
    p1.start()
    p2.start()
    p1.join()
    p2.join()
    res1 = queue.get()
    res2 = queue.get()
    print(res1 + res2)
