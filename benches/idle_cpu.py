#!/usr/bin/env python3
"""Idle CPU and memory of the console: run kedatui in a 120x40 pseudo-terminal, let it settle,
then measure CPU time used over 30 s with nothing happening, and resident memory (current and peak).

    python3 benches/idle_cpu.py target/release/kedatui [seconds] [keys]

With `keys` (e.g. `5++++`: a 5 000-message burst at warp x20) it measures a busy console instead.
"""
import fcntl, os, pty, select, struct, sys, termios, time

exe = sys.argv[1] if len(sys.argv) > 1 else "target/release/kedatui"
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
keys = sys.argv[3].encode() if len(sys.argv) > 3 else b""
ticks = os.sysconf("SC_CLK_TCK")

pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm-256color"
    os.execv(exe, [exe, "--log-file", "/tmp/kedatui-idle.log"])

fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))

def drain(until):
    while True:
        left = until - time.monotonic()
        if left <= 0:
            return
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                os.read(fd, 65536)
            except OSError:
                return

def cpu_seconds():
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime

def status(key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key):
                return line.split()[1] + " kB"

drain(time.monotonic() + 3)  # start-up and first frames
for k in keys:
    os.write(fd, bytes([k]))
    drain(time.monotonic() + 0.2)
c0, t0 = cpu_seconds(), time.monotonic()
drain(t0 + seconds)
c1, t1 = cpu_seconds(), time.monotonic()
print(f"{'busy' if keys else 'idle'} CPU over {t1 - t0:.1f} s: {100 * (c1 - c0) / (t1 - t0):.2f} % of one core "
      f"({c1 - c0:.2f} s CPU)")
print(f"resident memory: {status('VmRSS:')} now, {status('VmHWM:')} peak")
os.write(fd, b"q")
drain(time.monotonic() + 1)
os.waitpid(pid, 0)
