"""CPython counterpart of `lesson05-lock`'s variations (`lock.py` is the notes' program): two
processes add 1 and 3 to a shared Value, ten times each, holding one multiprocessing.Lock for
the whole loop; one number a line. Forks, as the notes do.

Usage: python3 lock_demos.py [--step-ms MS] [--no-lock | --kill-holder [--wait-s S]]

--no-lock      no lock; each step reads, sleeps, then writes (as `lesson05-lock --no-lock`)
--kill-holder  the first process to take the Lock stops after 3 steps, still holding it, and
               the parent kills it with SIGKILL. The Lock is a semaphore with no owner, so
               nothing ever releases it: the other process waits for ever. The parent gives
               up on it after --wait-s seconds, kills it, and says so.
"""
import argparse
import multiprocessing
import os
import signal
import sys
import time

STEPS = 10
WORKERS = (("p1", 1), ("p2", 3))
STEPS_BEFORE_KILL = 3


def add_under_lock(value, name, adds, lock, step, holder):
    lock.acquire()
    first = value.value == 0
    if holder is not None:
        print(f"{name} (pid {os.getpid()}): took the Lock", flush=True)
    for step_number in range(1, STEPS + 1):
        time.sleep(step)
        value.value += adds
        print(value.value, flush=True)
        if holder is not None and first and step_number == STEPS_BEFORE_KILL:
            print(f"{name} (pid {os.getpid()}): made {step_number} steps; stops here, "
                  "holding the Lock, until the parent kills it", flush=True)
            holder.value = os.getpid()
            time.sleep(60)
            sys.exit(1)
    lock.release()


def add_without_lock(value, name, adds, step):
    for _ in range(STEPS):
        seen = value.value
        time.sleep(step)
        value.value = seen + adds
        print(seen + adds, flush=True)


def kill_the_holder(workers, value, holder, wait_s):
    deadline = time.monotonic() + 10 + wait_s
    while holder.value == 0:
        if time.monotonic() > deadline:
            sys.exit("no process took the Lock and stopped in time")
        time.sleep(0.001)
    dead = next(w for w in workers if w.pid == holder.value)
    survivor = next(w for w in workers if w.pid != holder.value)
    print(f"parent: SIGKILL to {dead.name} (pid {dead.pid}), which holds the Lock at value "
          f"{value.value}", flush=True)
    os.kill(dead.pid, signal.SIGKILL)
    dead.join()
    survivor.join(wait_s)
    if survivor.is_alive():
        print(f"parent: {survivor.name} (pid {survivor.pid}) still waits for the Lock after "
              f"{wait_s} s: "
              "nothing releases a Lock whose holder died, so it would wait for ever; "
              "killing it", flush=True)
        survivor.kill()
        survivor.join()
    else:
        print(f"parent: {survivor.name} (pid {survivor.pid}) ended: exitcode {survivor.exitcode}",
              flush=True)


def not_negative(text):
    number = float(text)
    if number < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return number


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--step-ms", type=not_negative, default=100)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--no-lock", action="store_true")
    mode.add_argument("--kill-holder", action="store_true")
    parser.add_argument("--wait-s", type=not_negative, default=3.0)
    args = parser.parse_args()
    step = args.step_ms / 1000

    fork = multiprocessing.get_context("fork")
    lock = fork.Lock()
    value = fork.Value("i", 0)
    holder = fork.Value("i", 0) if args.kill_holder else None
    if args.no_lock:
        workers = [fork.Process(target=add_without_lock, name=name,
                                args=(value, name, adds, step))
                   for name, adds in WORKERS]
    else:
        workers = [fork.Process(target=add_under_lock, name=name,
                                args=(value, name, adds, lock, step, holder))
                   for name, adds in WORKERS]
    for worker in workers:
        worker.start()
    if args.kill_holder:
        kill_the_holder(workers, value, holder, args.wait_s)
    for worker in workers:
        worker.join()


if __name__ == "__main__":
    main()
