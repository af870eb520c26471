#!/usr/bin/env python3
"""Per-thread CPU and run-queue wait of a lapord run: is a thread short of work or short of a core?

Usage: scripts/thread_cpu.py PATH/TO/lapord &   then   scripts/bench --lapord PATH/TO/lapord ...

Waits for a process whose executable is PATH (the bench starts it), samples every thread's
/proc/PID/task/TID/{stat,schedstat,status} every 0.25 s until it ends, and prints, over the
samples where the process used more than 20 % of a core (the flood), each thread's user and
system CPU, its time on a core and waiting for one in the run queue (schedstat), and its
voluntary / involuntary context switches per second. lapord names its threads (lapord-writer,
lapord-sync, lapord-acks, lapord-ckpt, lapord-replies, lapord-access; the network thread is
lapord). Not a test."""
import os, sys, time, collections
exe = os.path.realpath(sys.argv[1])
HZ = os.sysconf("SC_CLK_TCK")
def find():
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                if os.path.realpath(f"/proc/{p}/exe") == exe: return int(p)
            except OSError: pass
pid = None
while pid is None:
    pid = find(); time.sleep(0.05)
def sample():
    out = {}
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            comm = open(f"/proc/{pid}/task/{t}/comm").read().strip()
            f = open(f"/proc/{pid}/task/{t}/stat").read().rsplit(")", 1)[1].split()
            ut, st = int(f[11]) / HZ, int(f[12]) / HZ
            run, wait, n = map(int, open(f"/proc/{pid}/task/{t}/schedstat").read().split())
            cs = open(f"/proc/{pid}/task/{t}/status").read()
            vol = int(cs.split("voluntary_ctxt_switches:")[1].split()[0])
            nv = int(cs.split("nonvoluntary_ctxt_switches:")[1].split()[0])
            out[t] = (comm, ut, st, run / 1e9, wait / 1e9, vol, nv)
        except (OSError, IndexError, ValueError): pass
    return time.monotonic(), out
samples = []
try:
    while True:
        samples.append(sample()); time.sleep(0.25)
except (FileNotFoundError, ProcessLookupError): pass
# busy intervals
tot = collections.defaultdict(lambda: [0.0]*6); wall = 0.0
for (t0, a), (t1, b) in zip(samples, samples[1:]):
    d = {k: [x - y for x, y in zip(b[k][1:], a[k][1:])] for k in b if k in a}
    if sum(v[2] for v in d.values()) / (t1 - t0) < 0.2: continue
    wall += t1 - t0
    for k, v in d.items():
        name = f"{b[k][0]}:{k}"
        for i in range(6): tot[name][i] += v[i]
print(f"busy wall {wall:.2f} s, load {open('/proc/loadavg').read().split()[:3]}")
print(f"{'thread':28} {'user%':>6} {'sys%':>6} {'oncpu%':>7} {'runq%':>6} {'vol cs/s':>9} {'invol/s':>8}")
for k, v in sorted(tot.items(), key=lambda kv: -kv[1][2]):
    if v[2] < 0.01 * wall: continue
    print(f"{k:28} {100*v[0]/wall:6.1f} {100*v[1]/wall:6.1f} {100*v[2]/wall:7.1f} {100*v[3]/wall:6.1f} {v[4]/wall:9.0f} {v[5]/wall:8.0f}")
