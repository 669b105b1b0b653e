"""CPython counterpart of the walk-through's part 1: what a child sees of a global the parent
set before start(), and that the child's changes stay in the child.

Usage: python3 isolation.py [fork|spawn|forkserver]   (default: fork)
"""
import multiprocessing
import sys

counter = 0


def child(numbers):
    global counter
    print("child: counter =", counter, "numbers =", numbers, flush=True)
    counter = 100
    numbers.append(4)


if __name__ == "__main__":
    context = multiprocessing.get_context(sys.argv[1] if len(sys.argv) > 1 else "fork")
    counter = 7
    numbers = [1, 2, 3]
    process = context.Process(target=child, args=(numbers,))
    process.start()
    process.join()
    print("parent: counter =", counter, "numbers =", numbers)
    sys.exit(0 if process.exitcode == 0 else 1)
