#!/usr/bin/env python3
"""Time a TUI from process start to its first full frame, in a real pty (160x48).

usage: first_frame.py [--marker TEXT] [--keys KEYS] [--timeout S] [--settle S] [--hold S]
                      -- CMD ARGS...

Prints one line: `<ms> <peak RSS KiB>` once MARKER has been drawn and the screen has
been quiet for 20 ms (the frame is complete), or `n/a <reason>` when the program exits,
says 尚未实现 (not implemented) or never draws MARKER. KEYS are sent after the first
frame (then `q`), so that the RSS covers some use; `\\r` = Enter. With --settle the keys
wait that long after the first frame (the background work done), and with --hold the
`q` waits that long after the keys (what they loaded fully in memory).
"""
import fcntl
import os
import re
import pty
import select
import struct
import sys
import termios
import time


def main():
    args = sys.argv[1:]
    marker, keys, timeout, settle, hold = "总览", "", 10.0, 0.0, 0.0
    while args and args[0] != "--":
        opt, val, args = args[0], args[1], args[2:]
        if opt == "--marker":
            marker = val
        elif opt == "--keys":
            keys = val.encode().decode("unicode_escape")
        elif opt == "--timeout":
            timeout = float(val)
        elif opt == "--settle":
            settle = float(val)
        elif opt == "--hold":
            hold = float(val)
    # RSS through /usr/bin/time: a child forked from Python would inherit Python's peak
    # RSS across exec; one forked from time(1) starts small
    import tempfile
    rss_file = tempfile.NamedTemporaryFile(prefix="zhida-rss-", delete=False).name
    cmd = ["/usr/bin/time", "-f", "%M", "-o", rss_file] + args[1:]
    # ratatui moves the cursor after every wide character (`总\x1b[2;5H览`): look for
    # the marker in the output with its escape sequences taken out
    csi = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]")
    marker_b = marker.encode()

    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
        os.environ["TERM"] = "xterm-256color"
        os.execvp(cmd[0], cmd)
    buf = b""
    seen_at = first_seen = None
    result = None
    deadline = t0 + timeout
    while True:
        wait = deadline - time.perf_counter()
        if seen_at is not None:
            # a UI that never stops drawing: the first frame is what came in 0.5 s
            if time.perf_counter() - first_seen > 0.5:
                result = "%.1f" % ((seen_at - t0) * 1000)
                break
            wait = min(wait, 0.02)
        r, _, _ = select.select([fd], [], [], max(0.0, wait))
        if not r:
            if seen_at is not None:
                result = "%.1f" % ((seen_at - t0) * 1000)
            else:
                result = "n/a (no frame with '%s' within %.0f s)" % (marker, timeout)
            break
        try:
            data = os.read(fd, 1 << 16)
        except OSError:
            data = b""
        if not data:
            if seen_at is not None:
                result = "%.1f" % ((seen_at - t0) * 1000)
            break
        buf += data
        if seen_at is None and marker_b in csi.sub(b"", buf):
            seen_at = first_seen = time.perf_counter()
        elif seen_at is not None:
            seen_at = time.perf_counter()  # still drawing: the frame ends when quiet
    text = buf.decode("utf-8", "replace")
    if "尚未实现" in text:
        result = "n/a (not implemented)"
    elif result is None:
        result = "n/a (exited before drawing '%s')" % marker
    def drain(seconds):
        # read what the TUI draws meanwhile (a full pty would stop it)
        end = time.time() + seconds
        while time.time() < end:
            r, _, _ = select.select([fd], [], [], 0.02)
            if r:
                try:
                    os.read(fd, 1 << 16)
                except OSError:
                    return

    try:
        drain(settle)
        for k in keys:
            os.write(fd, k.encode())
            drain(0.01 if hold == 0 else 0.1)
        drain(hold)
        os.write(fd, b"q")
    except OSError:
        pass
    end = time.time() + 3
    status = None
    while time.time() < end:
        try:
            os.read(fd, 1 << 16)
        except OSError:
            pass
        done, _, ru = os.wait4(pid, os.WNOHANG)
        if done:
            status = ru
            break
        time.sleep(0.01)
    if status is None:
        os.killpg(pid, 9)  # the pty child leads its own session: time(1) and the TUI
        _, _, status = os.wait4(pid, 0)
    try:
        with open(rss_file) as f:
            rss = int(f.read().split()[-1])
    except (OSError, ValueError, IndexError):
        rss = status.ru_maxrss
    os.unlink(rss_file)
    if result[0].isdigit():
        print("%s %d" % (result, rss))
    else:
        print(result)


if __name__ == "__main__":
    main()
