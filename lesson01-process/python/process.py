import multiprocessing
import sys


def job():
    print('aaaa')


if __name__ == '__main__':
    start_method = sys.argv[1] if len(sys.argv) > 1 else 'fork'
    p1 = multiprocessing.get_context(start_method).Process(target=job)
    p1.start()
    p1.join()
