#!/usr/bin/env python3
"""Where a process's resident memory is: /proc/PID/smaps summed by kind of mapping.

  scripts/smaps.py PID            one table (KiB resident per category, largest first)
  scripts/smaps.py PID --json     the same as one JSON object

Categories: `heap (main arena)` is glibc's brk heap (the main thread's arena, and every
thread's when MALLOC_ARENA_MAX is 1); `malloc arenas (other threads)` the 64 MiB-aligned heaps
glibc gives other threads (one per thread up to 8 x cores); `thread stacks` the 8 MiB stacks
(rw part, after a 4 KiB guard); `anon mmap` other anonymous mappings (allocations of 128 KiB
and more, libraries' own); each shared object by name, its text (r-x) apart from its data;
`sqlite shm` the WAL index. Used by scripts/bench --smaps (the snapshot with the highest total
while the flood runs)."""
import json
import os
import re
import sys

HEADER = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \d+\s*(.*)$")


def mappings(pid):
    """[(start, end, perms, path, rss_kib)] from /proc/PID/smaps."""
    out = []
    cur = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            m = HEADER.match(line)
            if m:
                cur = [int(m.group(1), 16), int(m.group(2), 16), m.group(3), m.group(4).strip(), 0]
                out.append(cur)
            elif line.startswith("Rss:") and cur is not None:
                cur[4] = int(line.split()[1])
    return out


def categorise(maps):
    cats = {}

    def add(name, kib):
        cats[name] = cats.get(name, 0) + kib

    for i, (start, end, perms, path, rss) in enumerate(maps):
        size_kib = (end - start) // 1024
        if path == "[heap]":
            add("heap (main arena)", rss)
        elif path == "[stack]":
            add("main thread stack", rss)
        elif path.startswith("["):
            add(path, rss)
        elif path:
            base = os.path.basename(path.split(" (deleted)")[0])
            if base.endswith("-shm"):
                add("sqlite shm (WAL index)", rss)
            elif "x" in perms:
                add(f"text {base}", rss)
            else:
                add(f"data {base}", rss)
        else:
            prev = maps[i - 1] if i > 0 else None
            nxt = maps[i + 1] if i + 1 < len(maps) else None
            guard_before = (prev is not None and prev[2].startswith("---") and prev[1] == start
                            and not prev[3])
            guard_after = (nxt is not None and nxt[2].startswith("---") and nxt[0] == end
                           and not nxt[3])
            if perms.startswith("---"):
                continue  # reserved, never resident
            if guard_after and (start % (64 << 20) == 0):
                add("malloc arenas (other threads)", rss)  # a heap: 64 MiB-aligned, rest reserved
            elif guard_before and size_kib in (8192, 2048, 1024, 512, 256, 128):
                add("thread stacks", rss)
            else:
                add("anon mmap", rss)
    return cats


def breakdown(pid):
    cats = categorise(mappings(pid))
    text = sum(v for k, v in cats.items() if k.startswith("text "))
    libs_data = sum(v for k, v in cats.items() if k.startswith("data "))
    return {"total_kib": sum(cats.values()), "shared_object_text_kib": text,
            "shared_object_data_kib": libs_data, "categories": cats}


def table(b, top=25):
    lines = [f"total {b['total_kib']} KiB (text of shared objects {b['shared_object_text_kib']}, "
             f"their data {b['shared_object_data_kib']})"]
    for k, v in sorted(b["categories"].items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"  {v:8d} KiB  {k}")
    return "\n".join(lines)


if __name__ == "__main__":
    b = breakdown(int(sys.argv[1]))
    print(json.dumps(b) if "--json" in sys.argv else table(b))
