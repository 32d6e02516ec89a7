"""Sample /proc every second: peak RSS of the qcluster processes and CPU time by role.

psutil is not a dependency and /proc/<pid>/task/*/children is not compiled into this kernel,
so the process tree is rebuilt from /proc/<pid>/stat at every sample.
"""

import os
import threading
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
SERVICES = {"postgres": "postgres", "redis-server": "redis", "nginx": "nginx"}


def read_stat(pid: str) -> tuple[str, int, int] | None:
    """(command name, parent pid, CPU ticks used) of a process, None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
    return name, int(rest[1]), int(rest[11]) + int(rest[12])  # ppid, utime + stime


def peak_rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    line = next((line for line in status.splitlines() if line.startswith("VmHWM:")), "0 0")
    return int(line.split()[1])


def machine_busy_ticks() -> int:
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4]  # everything but idle and iowait


class ProcessSampler:
    """Runs in a thread while a part runs; `summary(roles)` says what each role cost."""

    def __init__(self, cluster_pids: list[int], database: str = ""):
        self.roots, self.database = set(cluster_pids), database
        self.first: dict[int, int] = {}  # pid → CPU ticks when first seen (0 if born later)
        self.last: dict[int, int] = {}
        self.kind: dict[int, str] = {}  # pid → "cluster:<depth>", a service, driver or other
        self.peak: dict[int, int] = {}  # qcluster pid → VmHWM KiB
        self.stop_event, self.thread = threading.Event(), threading.Thread(target=self.run)

    def __enter__(self) -> "ProcessSampler":
        self.busy_start = machine_busy_ticks()
        self.sample(initial=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop_event.set()
        self.thread.join()
        self.sample()
        self.busy = (machine_busy_ticks() - self.busy_start) / TICK

    def run(self) -> None:
        while not self.stop_event.wait(1.0):
            self.sample()

    def sample(self, initial: bool = False) -> None:
        # Ascending pids: a parent is classified before its children (no pid wrap-around here).
        for pid in sorted(int(entry) for entry in os.listdir("/proc") if entry.isdigit()):
            if self.kind.get(pid) == "other":
                continue  # never re-read: it cannot become one of ours
            stat = read_stat(pid)
            if stat is None:
                continue
            name, parent, ticks = stat
            self.first.setdefault(pid, ticks if initial else 0)
            self.last[pid] = ticks
            kind = self.kind.setdefault(pid, self.classify(pid, name, parent))
            if kind.startswith("cluster"):
                self.peak[pid] = max(self.peak.get(pid, 0), peak_rss_kib(pid))

    def classify(self, pid: int, name: str, parent: int) -> str:
        """cluster:0 is a qcluster, cluster:1 its sentinel, cluster:2 workers, monitor, pusher."""
        if pid in self.roots:
            return "cluster:0"
        if self.kind.get(parent) in ("cluster:0", "cluster:1"):
            return f"cluster:{int(self.kind[parent][-1]) + 1}"
        if pid == os.getpid():
            return "driver"
        if name == "postgres":
            try:
                command = Path(f"/proc/{pid}/cmdline").read_text()
            except OSError:
                return "other"
            # A backend names its database and client "host(port)"; ours are ours, the
            # server's own processes count as ours too, other databases' backends do not.
            return "postgres" if self.database in command or "(" not in command else "other"
        return SERVICES.get(name, "other")

    def summary(self, roles: dict[int, str]) -> dict:
        """Peak RSS (MiB) and CPU seconds per role; `roles` names the workers, monitor, pusher."""
        names = {"cluster:0": "qcluster", "cluster:1": "sentinel"}
        role_of = {pid: roles.get(pid) or names.get(kind, kind) for pid, kind in self.kind.items()}
        cpu: dict[str, float] = {}
        for pid, role in role_of.items():
            cpu[role] = cpu.get(role, 0) + (self.last[pid] - self.first[pid]) / TICK
        rss: dict[str, float] = {}
        for pid, kib in self.peak.items():
            rss[role_of[pid]] = max(rss.get(role_of[pid], 0), kib / 1024)
        cpu["other"] = max(self.busy - sum(v for k, v in cpu.items() if k != "other"), 0)
        return {"rss_mib": rss, "cpu_s": cpu, "machine_busy_s": self.busy}
