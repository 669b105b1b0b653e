"""Our CPython counterpart of the notes' pool program (进程池pool): the same steps,
with the start method named. `lesson03-pool --plain` prints what this prints."""
import multiprocessing


def job(x):
    return x * x


def multicore():
    with multiprocessing.get_context("fork").Pool(processes=2) as pool:
        print(pool.map(job, range(10)))
        handle = pool.apply_async(job, (2,))
        print(handle.get())
        handles = [pool.apply_async(job, (x,)) for x in range(10)]
        print([handle.get() for handle in handles])


if __name__ == "__main__":
    multicore()
