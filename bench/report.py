"""The final table: each figure beside its target, and how busy the machine was."""

import os
from pathlib import Path


def machine_load() -> str:
    """Load average, and whether someone's test suite is running beside us."""
    one, five = Path("/proc/loadavg").read_text().split()[:2]
    return f"load {one}/{five} (1/5 min), pytest running: {'yes' if pytest_running() else 'no'}"


def pytest_running() -> bool:
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if b"pytest" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return True
        except OSError:
            continue
    return False


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else "PASS" if ok else "MISS"


def baseline_rows(results: dict) -> list[tuple]:
    if "1" not in results:
        return [("1", "baseline L", "ERROR", "", "")]
    r = results["1"]
    return [
        ("1", "baseline L: requests.Session loop → nginx 204", f"{r['rate']:,.0f} req/s", "", ""),
        (
            "",
            f"  body {r['body_bytes']} B; product transport.post() loop",
            f"{r['transport_rate']:,.0f} req/s",
            "",
            "info",
        ),
    ]


def throughput_rows(results: dict, key: str, share: float, limit: float | None) -> list[tuple]:
    if key not in results:
        return [(key, "throughput", "ERROR", "", "")]
    r = results[key]
    ratio = f" = {r['rate'] / limit:.2f} L" if limit else ""
    target = f">= {share} L = {share * limit:,.0f}/s" if limit else f">= {share} L"
    ok = r["rate"] >= share * limit if limit else None
    per_s = r["transitions"] / r["transitions_seconds"]
    return [
        (
            key,
            f"throughput: {r['config']}",
            f"{r['rate']:,.0f} deliveries/s{ratio}",
            target,
            verdict(ok),
        ),
        ("", f"  {r['deliveries']} deliveries all Sent after", f"{r['seconds']:.1f} s", "", "info"),
        (
            "",
            f"  {r['transitions']} transitions alone",
            f"{r['transitions_seconds']:.1f} s ({per_s:,.0f}/s)",
            "",
            "info",
        ),
        (
            "",
            "  deliver tasks run / enqueued again by the sweeper",
            f"{r['tasks_run']} / {r['reenqueued']}",
            "",
            "info",
        ),
    ]


def latency_rows(results: dict) -> list[tuple]:
    if "3" not in results:
        return [("3", "latency", "ERROR", "", "")]
    r = results["3"]
    title = f"latency commit → receipt, {r['count']} at {r['achieved_rate']:.0f}/s"
    return [
        ("3", f"{title}: p50", f"{r['p50']:.0f} ms", "<= 50 ms", verdict(r["p50"] <= 50)),
        ("", "  p95", f"{r['p95']:.0f} ms", "", "info"),
        ("", "  p99", f"{r['p99']:.0f} ms", "<= 250 ms", verdict(r["p99"] <= 250)),
    ]


def fanout_rows(results: dict, limit: float | None) -> list[tuple]:
    if "4" not in results:
        return [("4", "fan-out", "ERROR", "", "")]
    r = results["4"]
    target = 5 * r["rules"] / limit if limit else None
    return [
        (
            "4",
            f"fan-out to {r['rules']} rules: save() incl. commit + enqueue",
            f"{r['save_s']:.2f} s",
            "<= 1 s",
            verdict(r["save_s"] <= 1),
        ),
        ("", "  outbox committed after", f"{r['commit_s']:.2f} s", "", "info"),
        (
            "",
            "  all Sent after",
            f"{r['all_sent_s']:.2f} s",
            f"<= 5 x {r['rules']}/L = {target:.2f} s" if target else "n/a",
            verdict(r["all_sent_s"] <= target if target else None),
        ),
    ]


def memory_rows(results: dict) -> list[tuple]:
    rss = results.get("2b", {}).get("rss_mib", {})
    if "worker" not in rss:
        return [("5", "worker peak RSS", "ERROR", "", "")]
    rows = [("5", "qcluster worker peak RSS (VmHWM) during 2b", f"{rss['worker']:.0f} MiB",
             "<= 150 MiB", verdict(rss["worker"] <= 150))]  # fmt: skip
    if "worker" in results.get("2a", {}).get("rss_mib", {}):
        mib = results["2a"]["rss_mib"]["worker"]
        rows.append(("", "  the same during 2a", f"{mib:.0f} MiB", "", "info"))
    return rows


def print_rows(rows: list[tuple]) -> None:
    header = ("part", "figure", "value", "target", "result")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(5)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(line.format(*header))
    print(line.format(*("-" * w for w in widths)))
    for row in rows:
        print(line.format(*row))


def print_cpu(results: dict) -> None:
    """Where the CPU went in the throughput parts, per delivery."""
    for key in ("2a", "2b"):
        if key not in results:
            continue
        r = results[key]
        cpu = sorted(r["cpu_s"].items(), key=lambda item: -item[1])
        per = ", ".join(f"{role} {seconds * 1000 / r['deliveries']:.2f}" for role, seconds in cpu)
        busy = r["machine_busy_s"] / r["seconds"]
        print(
            f"  {key}: machine busy {busy:.2f} of {os.cpu_count()} cores; "
            f"CPU ms per delivery: {per}"
        )
        rss = ", ".join(f"{role} {mib:.0f}" for role, mib in sorted(r["rss_mib"].items()))
        print(f"      peak RSS MiB: {rss}")


def print_table(results: dict, crashed: list[str], scale, loads: dict[str, str]) -> None:
    limit = results.get("1", {}).get("rate")
    rows = [
        *baseline_rows(results),
        *throughput_rows(results, "2a", 0.2, limit),
        *throughput_rows(results, "2b", 0.5, limit),
        *latency_rows(results),
        *fanout_rows(results, limit),
        *memory_rows(results),
    ]
    # A part without results crashed (ERROR) or was left out with --only (no rows).
    failed = {*crashed, *(["5"] if "2b" in crashed else [])}
    rows = [row for row in rows if row[2] != "ERROR" or row[0] in failed]
    print(f"\n== Results ({'quick' if scale.transitions < 5000 else 'full'} scale)")
    print_rows(rows)
    print("\nCPU by role (driver = the process making the transitions):")
    print_cpu(results)
    print("\nMachine load at the start of each part:")
    for key, load in loads.items():
        print(f"  {key:>4}: {load}")
