"""CPython counterpart of `lesson01-process --plain`: one child process says aaaa.

Usage: python3 process.py [fork|spawn]   (default: this platform's default start method)
"""
import multiprocessing
import sys


def say_aaaa():
    print("aaaa", flush=True)


if __name__ == "__main__":
    method = sys.argv[1] if len(sys.argv) > 1 else None
    context = multiprocessing.get_context(method)
    child = context.Process(target=say_aaaa)
    child.start()
    child.join()
    sys.exit(0 if child.exitcode == 0 else 1)
