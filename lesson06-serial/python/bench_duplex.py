"""CPython counterpart of `lesson06-serial --bench`: the same full-duplex measurement with
pyserial, with threads (the notes' question) and with multiprocessing processes.

A pseudo-terminal is the serial line. pyserial opens its slave end (by path, as it would open
/dev/ttyUSB0); the master end has no path, so it is read and written with os.read/os.write.
One direction alone: a writer on the master, a reader on the pyserial port. Both at once: also
a writer on the pyserial port and a reader on the master. The four are threads, or forked
processes that inherit the open port. Every byte is compared with what was sent before a rate
is printed.

Prints `serial one-way: <N> bytes/s` and `serial full-duplex: <N> bytes/s each way` (threads;
medians), then the same two for processes, the lines the Rust lesson reads back.
With --pace, each writer sends no faster than that many bytes/s, as a real serial line would.
Usage: python3 bench_duplex.py [--bytes N] [--runs N] [--pace BYTES_PER_S]
"""
import argparse
import multiprocessing
import os
import select
import statistics
import sys
import threading
import time
import tty

import serial  # pyserial: python3 -m pip install pyserial

PERIOD = 65_521  # the stream repeats every PERIOD bytes, as in the Rust lesson
CHUNK = 32 * 1024
IDLE = 10.0  # seconds without progress before a transfer counts as stalled
BLOCK = bytes(((i * 131) ^ (i >> 7)) & 0xFF for i in range(PERIOD)) * 2


def die_with_parent():
    """Linux: be killed when the lesson that started us dies, so Ctrl-C leaves no Python behind."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL)


def expected(offset, length):
    start = offset % PERIOD
    return BLOCK[start:start + length]


def wait(fd, for_writing):
    ready = select.select([], [fd], [], IDLE) if for_writing else select.select([fd], [], [], IDLE)
    if not any(ready):
        raise TimeoutError(f"no progress for {IDLE} s")


def next_chunk(sent, count, began, pace):
    """How many bytes to write next. With a pace (bytes/s), a hundredth of a second's worth,
    once a line at that speed would have finished sending them."""
    if pace is None:
        return min(CHUNK, count - sent)
    length = min(max(1, int(pace / 100)), CHUNK, count - sent)
    time.sleep(max(0.0, began + (sent + length) / pace - time.perf_counter()))
    return length


def master_write(fd, count, pace):
    sent, began = 0, time.perf_counter()
    while sent < count:
        chunk = memoryview(expected(sent, next_chunk(sent, count, began, pace)))
        while chunk:
            try:
                written = os.write(fd, chunk)
            except BlockingIOError:
                wait(fd, True)
                continue
            chunk = chunk[written:]
            sent += written


def master_read(fd, count):
    data_ok, got = True, 0
    while got < count:
        try:
            data = os.read(fd, min(CHUNK, count - got))
        except BlockingIOError:
            wait(fd, False)
            continue
        if not data:
            raise EOFError(f"hang-up after {got} bytes")
        data_ok = data_ok and data == expected(got, len(data))
        got += len(data)
    return data_ok


def port_write(port, count, pace):
    sent, began = 0, time.perf_counter()
    while sent < count:
        length = next_chunk(sent, count, began, pace)
        port.write(expected(sent, length))
        sent += length


def port_read(port, count):
    data_ok, got = True, 0
    while got < count:
        data = port.read(min(CHUNK, count - got))  # waits for that many bytes, or the timeout
        if not data:
            raise TimeoutError(f"stalled after {got} of {count} bytes")
        data_ok = data_ok and data == expected(got, len(data))
        got += len(data)
    return data_ok


def in_process(work, *args):
    """A worker process: exit code 0 if its work went well and its data was right."""
    die_with_parent()
    sys.exit(0 if work(*args) is not False else 1)


def transfer(count, both_ways, processes, pace):
    """One run through a fresh pty; returns the seconds it took, after checking the data."""
    master, slave = os.openpty()
    tty.setraw(slave)
    if sys.platform.startswith("linux"):
        tty.setraw(master)  # macOS cannot read a master's settings; Linux's starts raw anyway
    os.set_blocking(master, False)
    port = serial.Serial(os.ttyname(slave), 115200, timeout=IDLE, write_timeout=IDLE, exclusive=True)
    os.close(slave)  # pyserial has its own descriptor of the slave now
    results, errors = {}, []

    def run(name, work, *args):
        try:
            results[name] = work(*args)
        except Exception as err:  # reported below, in the main thread
            errors.append(f"{name}: {err!r}")

    jobs = [("master -> slave writer", master_write, master, count, pace),
            ("master -> slave reader", port_read, port, count)]
    if both_ways:
        jobs += [("slave -> master writer", port_write, port, count, pace),
                 ("slave -> master reader", master_read, master, count)]
    if processes:
        # Forked, so each worker inherits the open port and the master: no second open.
        fork = multiprocessing.get_context("fork")
        workers = [fork.Process(target=in_process, args=job[1:], name=job[0], daemon=True)
                   for job in jobs]
    else:
        workers = [threading.Thread(target=run, args=job, name=job[0], daemon=True)
                   for job in jobs]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(3 * IDLE)
    elapsed = time.perf_counter() - began
    stuck = [worker.name for worker in workers if worker.is_alive()]
    if processes:
        for worker in workers:
            if worker.is_alive():
                worker.kill()
            elif worker.exitcode != 0:
                errors.append(f"{worker.name}: exit code {worker.exitcode}")
    port.close()
    os.close(master)
    if stuck or errors:
        raise SystemExit(f"wrong result, so no rate: stuck {stuck}, errors {errors}")
    wrong = [name for name, data_ok in results.items() if data_ok is False]
    if wrong:
        raise SystemExit(f"wrong result, so no rate: {wrong} got bytes that differ from what was sent")
    return elapsed


def main():
    die_with_parent()
    parser = argparse.ArgumentParser()
    parser.add_argument("--bytes", type=int, default=32 << 20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pace", type=float, help="bytes/s each writer may send (a real line's speed)")
    args = parser.parse_args()
    print(f"pyserial {serial.__version__}")
    for processes, label in [(False, ""), (True, ", processes")]:
        one_way, both = [], []
        for _ in range(args.runs):  # taking turns, as the Rust lesson does
            one_way.append(transfer(args.bytes, False, processes, args.pace))
            both.append(transfer(args.bytes, True, processes, args.pace))
        one_way, both = statistics.median(one_way), statistics.median(both)
        print(f"serial one-way{label}: {args.bytes / one_way:.0f} bytes/s")
        print(f"serial full-duplex{label}: {args.bytes / both:.0f} bytes/s each way")


if __name__ == "__main__":
    main()
