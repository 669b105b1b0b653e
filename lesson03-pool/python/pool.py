"""CPython counterpart of `lesson03-pool --plain`: a pool of worker processes squares
0..9 with map, squares 2 with one apply_async, then squares 0..9 again with ten
apply_async handles collected in order. Prints the three lines the Rust lesson prints.

Usage: python3 pool.py [PROCESSES]   (default 2, as in the notes)
"""
import multiprocessing
import sys


def square(x):
    return x * x


def main(processes):
    with multiprocessing.Pool(processes=processes) as pool:
        print(pool.map(square, range(10)))
        print(pool.apply_async(square, (2,)).get())
        handles = [pool.apply_async(square, (x,)) for x in range(10)]
        print([handle.get() for handle in handles])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
