"""Parts 2 and 5: job transitions × rules through the service layer until every delivery is Sent.

The jobs exist before the clock starts and the qclusters already run, as in production; each
transition is a plain `job.save()` in its own transaction. The clock stops when the last
delivery is Sent. Peak RSS and CPU time of every process are sampled meanwhile.
"""

import argparse
import time

from bench import common
from bench.procstat import ProcessSampler


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--label", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--transitions", type=int, default=5000)
    parser.add_argument("--rules", type=int, default=2)
    parser.add_argument("--clusters", type=int, default=1)
    parser.add_argument("--wait-sweeper", action="store_true")
    return parser.parse_args()


def drive(jobs) -> float:
    """Start every job, each in its own transaction; return how long that took."""
    started = time.perf_counter()
    for job in jobs:
        job.state = "Processing"
        job.save()
    return time.perf_counter() - started


def main() -> None:
    args = parse()
    label = args.label
    project = common.project(f"throughput-{label}")
    common.rules(project, args.url, args.rules)
    jobs = common.jobs(project, args.transitions)
    expected = args.transitions * args.rules
    common.say(
        f"{label}: {args.transitions} jobs, {args.rules} rules; "
        f"{common.cluster_config(args.clusters)}"
    )
    with common.Clusters(args.clusters, label) as clusters:
        if args.wait_sweeper:
            clusters.wait_for_sweeper()
        common.say(f"{label}: qclusters running; driving {args.transitions} transitions")
        with ProcessSampler(clusters.pids, database="mkwebhooks_bench") as sampler:
            started = time.time()
            driving = drive(jobs)
            common.say(
                f"{label}: transitions done in {driving:.1f} s "
                f"({args.transitions / driving:,.0f}/s); waiting for {expected} Sent"
            )
            finished = common.wait_all_sent(project, expected, timeout=60 + expected / 10)
    seconds = finished - started
    common.say(
        f"{label}: {expected} deliveries Sent in {seconds:.1f} s ({expected / seconds:,.0f}/s)"
    )
    common.result(
        {
            "config": common.cluster_config(args.clusters),
            "deliveries": expected,
            "seconds": seconds,
            "rate": expected / seconds,
            "transitions": args.transitions,
            "transitions_seconds": driving,
            **clusters.task_counts(),
            **sampler.summary(clusters.roles()),
        }
    )


if __name__ == "__main__":
    main()
