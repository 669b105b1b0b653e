"""CPython counterpart of the walk-through's part 2: a child process changes a shared Value and
a shared Array; the parent prints both before and after.

Usage: python3 child_changes.py [fork|spawn]   (default: fork)
"""
import multiprocessing
import sys


def change(value, array):
    value.value += 1.5
    for i in range(len(array)):
        array[i] = array[i] ** 2


if __name__ == "__main__":
    context = multiprocessing.get_context(sys.argv[1] if len(sys.argv) > 1 else "fork")
    value = context.Value("d", 1)
    array = context.Array("i", [1, 2, 3])
    print(value.value, array[:])
    child = context.Process(target=change, args=(value, array))
    child.start()
    child.join()
    print(value.value, array[:])
    sys.exit(0 if child.exitcode == 0 else 1)
