#!/usr/bin/env python3
"""What made a scenario's fiber stack as deep as it is.

Usage: fiber_stack_frames.py PID [STACK_KIB]   (STACK_KIB: the fiber stack's size, 768 by default)

Every live scenario instance runs on its own fiber stack, and every page the call ever
touched on it stays resident until the call ends, so the deepest moment of a call sets its
stack memory. This reads the touched part of one live fiber stack of a running process
(Linux, /proc/PID/mem; run as the same user or root) and lists the code addresses found in
it with their distance from the stack's top. Stale frames stay in memory after they return,
so the deepest addresses name the code that went deepest, and a block of addresses that
repeats at a fixed stride is a large value copied frame after frame (a future passed by
value through `tokio::spawn`, for instance). Symbols come from `addr2line` (binutils) and
the binary's debug info (the release profile keeps it).
"""
import re
import struct
import subprocess
import sys


def exec_segment_bias(exe):
    """vaddr - file offset of the executable LOAD segment (PIE binaries shift it)."""
    out = subprocess.run(["readelf", "-lW", exe], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        fields = line.split()
        if fields[:1] == ["LOAD"] and "E" in fields[6:-1]:
            return int(fields[2], 16) - int(fields[1], 16)
    raise SystemExit("no executable LOAD segment in " + exe)


def main():
    pid = sys.argv[1]
    stack_bytes = int(sys.argv[2] if len(sys.argv) > 2 else 768) * 1024
    exe = subprocess.run(["readlink", f"/proc/{pid}/exe"], capture_output=True, text=True).stdout.strip()
    text, stacks, current = None, [], None
    for line in open(f"/proc/{pid}/smaps"):
        m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) ([0-9a-f]+) \S+ \S+\s*(.*)$", line)
        if m:
            start, end = int(m[1], 16), int(m[2], 16)
            current = (start, end, m[3])
            if m[5] == exe and "x" in m[3] and text is None:
                text = (start, end, int(m[4], 16))
        elif line.startswith("Rss:") and current and current[1] - current[0] == stack_bytes and current[2] == "rw-p":
            resident = int(line.split()[1]) * 1024
            if resident:
                stacks.append((current[1], resident))
    if not stacks or text is None:
        raise SystemExit("no live fiber stack (or no code mapping) found")
    top, resident = stacks[len(stacks) // 2]
    with open(f"/proc/{pid}/mem", "rb") as mem:
        mem.seek(top - resident)
        data = mem.read(resident)
    bias = exec_segment_bias(exe)
    found = []
    for offset in range(0, len(data) - 7, 8):
        value = struct.unpack_from("<Q", data, offset)[0]
        if text[0] <= value < text[1]:
            found.append((len(data) - offset, value - text[0] + text[2] + bias))
    names = subprocess.run(
        ["addr2line", "-f", "-C", "-e", exe] + [hex(address) for _, address in found],
        capture_output=True, text=True,
    ).stdout.splitlines()[0::2]
    print(f"{len(stacks)} live fiber stacks; this one has {resident // 1024} KiB resident")
    for (depth, _), name in zip(found, names):
        print(f"{depth:>7} B from the top  {name[:160]}")


if __name__ == "__main__":
    main()
