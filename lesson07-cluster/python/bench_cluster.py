# For lesson07's --bench --python: 2 * job(n) cut into two slices, computed by
# two spawned worker processes that put their parts on a multiprocessing.managers
# queue served on 127.0.0.1. Prints "cluster time: SECONDS s" (work and exchange,
# from when both workers are connected) and "connect time: SECONDS s".
import multiprocessing as mp
import queue
import sys
import time
from multiprocessing.managers import BaseManager

AUTHKEY = b'lesson07-bench'
parts = queue.Queue()


def get_parts():
    return parts


class QueueServer(BaseManager):
    pass


class QueueClient(BaseManager):
    pass


QueueServer.register('get_parts', callable=get_parts)
QueueClient.register('get_parts')


def worker(address, start, end, ready, go):
    client = QueueClient(address=address, authkey=AUTHKEY)
    client.connect()
    q = client.get_parts()
    ready.release()
    go.wait()
    res = 0
    for _ in range(2):  # the slice twice, as the Rust workers: the same work
        for i in range(start, end):
            res += i + i**2 + i**3
    q.put(res)


def closed_form(n):
    s = n * (n - 1) // 2
    return s + (n - 1) * n * (2 * n - 1) // 6 + s * s


if __name__ == '__main__':
    n = int(sys.argv[1])
    server = QueueServer(address=('127.0.0.1', 0), authkey=AUTHKEY, ctx=mp.get_context('fork'))
    server.start()
    spawn = mp.get_context('spawn')
    ready, go = spawn.Semaphore(0), spawn.Event()
    slices = [(0, n // 2), (n // 2, n)]
    st = time.time()
    workers = [spawn.Process(target=worker, args=(server.address, a, b, ready, go)) for a, b in slices]
    for w in workers:
        w.start()
    for _ in workers:
        ready.acquire()
    connected = time.time()
    go.set()
    q = server.get_parts()
    total = q.get() + q.get()
    done = time.time()
    for w in workers:
        w.join()
    server.shutdown()
    assert total == 2 * closed_form(n), total
    print(f'connect time: {connected - st:.3f} s')
    print(f'cluster time: {done - connected:.3f} s')
