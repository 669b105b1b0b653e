"""CPython counterpart of `lesson02-queue --plain`: two worker processes put job(1000) on a
multiprocessing.Queue; the parent joins them, gets both results and prints the sum."""
import multiprocessing


def job(n):
    return sum(i + i**2 + i**3 for i in range(n))


def worker(results):
    results.put(job(1000))


if __name__ == "__main__":
    results = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=worker, args=(results,)) for _ in range(2)]
    for process in workers:
        process.start()
    for process in workers:
        process.join()
    print(results.get() + results.get())
