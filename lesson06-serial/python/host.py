"""A pyserial host for `lesson06-serial --device --port PATH`: any program that speaks the
line protocol can play the host. Sends a few commands, prints each reply.

Usage: python3 host.py PORT [BAUD]     (pyserial: python3 -m pip install pyserial)
"""
import sys

import serial

COMMANDS = ["PING", "ECHO hello from pyserial", "JOB 1000", "NOPE"]


def main():
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__)
    baud = int(sys.argv[2]) if len(sys.argv) == 3 else 115200
    with serial.Serial(sys.argv[1], baud, timeout=2, exclusive=True) as port:
        for command in COMMANDS:
            port.write(command.encode("ascii") + b"\n")
            reply = port.readline()  # up to and including b"\n", or b"" after the timeout
            if not reply.endswith(b"\n"):
                raise SystemExit(f"no reply to {command!r} within 2 s (got {reply!r})")
            print(f"{command} -> {reply.decode('ascii').rstrip()}")


if __name__ == "__main__":
    main()
