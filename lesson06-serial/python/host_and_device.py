"""A device process answers commands on a virtual serial line; the host sends each and prints the reply."""
import multiprocessing
import os
import tty

COMMANDS = ["PING", "ECHO hello, serial", "JOB 1000"]


def reply(line):
    if line == "PING":
        return "PONG"
    if line.startswith("ECHO "):
        return line[len("ECHO "):]
    if line.startswith("JOB "):
        return str(sum(i + i**2 + i**3 for i in range(int(line[len("JOB "):]))))
    return f"ERR unknown command {line!r}"


def read_line(fd):
    line = b""
    while not line.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte:
            raise OSError("the other end hung up")
        line += byte
    return line.decode("ascii").rstrip("\r\n")


def device(port, host_end):
    os.close(host_end)
    try:
        while True:
            os.write(port, (reply(read_line(port)) + "\r\n").encode("ascii"))
    except OSError:  # Linux: reading the master once the host closed its end fails with EIO
        pass


if __name__ == "__main__":
    device_end, host_end = os.openpty()
    tty.setraw(host_end)
    device_process = multiprocessing.get_context("fork").Process(target=device, args=(device_end, host_end))
    device_process.start()
    os.close(device_end)
    for command in COMMANDS:
        os.write(host_end, (command + "\n").encode("ascii"))
        print(command, "->", read_line(host_end))
    os.close(host_end)
    device_process.join()
