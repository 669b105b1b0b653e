"""What CPython's Queue cannot send: an open file and a function made by lambda cannot be
pickled. put() returns anyway; the queue's feeder thread fails later, prints a traceback on
stderr, and the object never arrives."""
import multiprocessing
import queue

fork = multiprocessing.get_context("fork")

if __name__ == "__main__":
    q = fork.Queue()
    for name, obj in [("an open file", open(__file__)), ("a lambda", lambda x: x)]:
        q.put(obj)
        print(f"put({name}) returned")
        try:
            q.get(timeout=1)
        except queue.Empty:
            print(f"get(timeout=1): queue.Empty, {name} never arrived")
