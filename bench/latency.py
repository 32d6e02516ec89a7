"""Part 3: latency from commit to receipt at a steady 50 transitions/s (PostgreSQL + Redis).

The receiver is the product's threaded test receiver in this process; it stamps each request
with time.time() on arrival. Commit times are time.time() right after each transaction
commits, keyed by the CloudEvent id.
"""

import argparse
import json
import math
import time

from bench import common
from mkwebhooks.devtools.receiver import Receiver

WARMUP = 20  # transitions before the measured ones: connections opened, caches warm


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clusters", type=int, default=2)
    parser.add_argument("--wait-sweeper", action="store_true")
    return parser.parse_args()


def drive(jobs, rate: float) -> tuple[dict[str, float], float]:
    """Start the jobs at `rate` per second; return {event id: commit time} and the rate achieved."""
    commits, started = {}, time.monotonic()
    for index, job in enumerate(jobs):
        delay = started + index / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        committed = common.transition(job, "Processing")
        commits[common.event_id(job)] = committed
    return commits, len(jobs) / (time.monotonic() - started)


def percentile(values: list[float], share: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def main() -> None:
    args = parse()
    count = int(args.rate * args.seconds)
    project = common.project("latency")
    with Receiver() as receiver:
        common.rules(project, receiver.url + "/hook", 1)
        jobs = common.jobs(project, WARMUP + count)
        common.say(f"3: 1 rule → threaded Python receiver; {common.cluster_config(args.clusters)}")
        with common.Clusters(args.clusters, "latency") as clusters:
            if args.wait_sweeper:
                clusters.wait_for_sweeper()
            drive(jobs[:WARMUP], args.rate)
            receiver.wait_for(WARMUP)
            common.say(f"3: warm; {count} transitions at {args.rate:g}/s")
            commits, achieved = drive(jobs[WARMUP:], args.rate)
            received = receiver.wait_for(WARMUP + count, timeout=60)
    arrivals = {}
    for request in received:
        arrivals.setdefault(json.loads(request.body)["id"], request.at)  # the first receipt
    latencies = [
        (arrivals[key] - committed) * 1000 for key, committed in commits.items() if key in arrivals
    ]
    if len(latencies) < count:
        raise RuntimeError(f"only {len(latencies)} of {count} events arrived")
    figures = {f"p{q}": percentile(latencies, q / 100) for q in (50, 95, 99)}
    common.say(
        f"3: achieved {achieved:.1f} transitions/s; "
        + ", ".join(f"{k} {v:.0f} ms" for k, v in figures.items())
    )
    common.result({**figures, "max": max(latencies), "count": count, "achieved_rate": achieved})


if __name__ == "__main__":
    main()
