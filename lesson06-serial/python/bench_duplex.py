"""CPython counterpart of `lesson06-serial --bench`: the same full-duplex measurement with
threads and pyserial, the way the notes would do it in Python.

A pseudo-terminal is the serial line. pyserial opens its slave end (by path, as it would open
/dev/ttyUSB0); the master end has no path, so it is read and written with os.read/os.write.
One direction alone: a writer thread on the master, a reader thread on the pyserial port. Both
at once: also a writer thread on the pyserial port and a reader thread on the master. Every
byte is compared with what was sent before a rate is printed.

Prints `serial one-way: <N> bytes/s` and `serial full-duplex: <N> bytes/s each way` (medians),
the lines the Rust lesson reads back. Usage: python3 bench_duplex.py [--bytes N] [--runs N]
"""
import argparse
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


def master_write(fd, count):
    sent = 0
    while sent < count:
        chunk = memoryview(expected(sent, min(CHUNK, count - sent)))
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


def port_write(port, count):
    sent = 0
    while sent < count:
        length = min(CHUNK, count - sent)
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


def transfer(count, both_ways):
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

    jobs = [("master -> slave writer", master_write, master, count),
            ("master -> slave reader", port_read, port, count)]
    if both_ways:
        jobs += [("slave -> master writer", port_write, port, count),
                 ("slave -> master reader", master_read, master, count)]
    threads = [threading.Thread(target=run, args=job, daemon=True) for job in jobs]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(3 * IDLE)
    elapsed = time.perf_counter() - began
    stuck = [thread.name for thread in threads if thread.is_alive()]
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
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    one_way = statistics.median(transfer(args.bytes, False) for _ in range(args.runs))
    both = statistics.median(transfer(args.bytes, True) for _ in range(args.runs))
    print(f"pyserial {serial.__version__}")
    print(f"serial one-way: {args.bytes / one_way:.0f} bytes/s")
    print(f"serial full-duplex: {args.bytes / both:.0f} bytes/s each way")


if __name__ == "__main__":
    main()
