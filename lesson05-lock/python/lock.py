"""CPython counterpart of lesson05-lock's src/notes.rs: two processes add 1 and 3 to one
shared Value, ten times each, each holding one Lock for all ten steps. Forks, as the notes do."""
import multiprocessing
import time


def job(total, adds, lock):
    lock.acquire()
    for _ in range(10):
        time.sleep(0.1)
        total.value += adds
        print(total.value, flush=True)
    lock.release()


def multicore():
    fork = multiprocessing.get_context("fork")
    lock = fork.Lock()
    total = fork.Value("i", 0)
    p1 = fork.Process(target=job, args=(total, 1, lock))
    p2 = fork.Process(target=job, args=(total, 3, lock))
    p1.start()
    p2.start()
    p1.join()
    p2.join()


if __name__ == "__main__":
    multicore()
