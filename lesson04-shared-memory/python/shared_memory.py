"""CPython counterpart of `lesson04-shared-memory --plain`: a child process changes a shared
Value and a shared Array; the parent prints both before and after.

Usage: python3 shared_memory.py [fork|spawn]   (default: this platform's default start method)
"""
import multiprocessing
import sys


def change(value, array):
    value.value += 1.5
    for i in range(len(array)):
        array[i] = array[i] ** 2


if __name__ == "__main__":
    method = sys.argv[1] if len(sys.argv) > 1 else None
    context = multiprocessing.get_context(method)
    value = context.Value("d", 1)
    array = context.Array("i", [1, 2, 3])
    print(value.value, array[:])
    child = context.Process(target=change, args=(value, array))
    child.start()
    child.join()
    print(value.value, array[:])
    sys.exit(0 if child.exitcode == 0 else 1)
