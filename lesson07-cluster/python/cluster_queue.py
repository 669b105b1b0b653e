# The notes' queue program with its queue served on a network address: a
# multiprocessing.managers server holds the queue on 127.0.0.1, and two worker
# processes connect to it with the authkey, as they would from other machines.
import multiprocessing as mp
import queue
from multiprocessing.managers import BaseManager

ADDRESS = ('127.0.0.1', 0)  # 0: any free port; a real cluster names a fixed one
AUTHKEY = b'lesson07'

results = queue.Queue()


def get_results():
    return results


class QueueServer(BaseManager):
    pass


class QueueClient(BaseManager):
    pass


QueueServer.register('get_results', callable=get_results)
QueueClient.register('get_results')


def job(address):
    client = QueueClient(address=address, authkey=AUTHKEY)
    client.connect()
    res = 0
    for i in range(1000):
        res += i + i**2 + i**3
    client.get_results().put(res)


if __name__ == '__main__':
    # The server process is forked (it inherits `results`); the workers are
    # spawned: fresh interpreters that share nothing, like processes elsewhere.
    server = QueueServer(address=ADDRESS, authkey=AUTHKEY, ctx=mp.get_context('fork'))
    server.start()
    spawn = mp.get_context('spawn')
    p1 = spawn.Process(target=job, args=(server.address,))
    p2 = spawn.Process(target=job, args=(server.address,))
    p1.start()
    p2.start()
    p1.join()
    p2.join()
    q = server.get_results()
    res1 = q.get()
    res2 = q.get()
    print(res1 + res2)
    server.shutdown()
