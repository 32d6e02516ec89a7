"""Part 4: one transition to many enabled rules (PostgreSQL + Redis, 2 qclusters).

Times the outbox (Event + one Delivery per rule) until it commits, the whole save() call
(which also enqueues one task per delivery after the commit), and until every delivery is Sent.
"""

import argparse
import time

from bench import common


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--clusters", type=int, default=2)
    parser.add_argument("--wait-sweeper", action="store_true")
    return parser.parse_args()


def main() -> None:
    args = parse()
    project = common.project("fanout")
    started = time.perf_counter()
    common.rules(project, args.url, args.rules)
    common.say(
        f"4: {args.rules} rules created in {time.perf_counter() - started:.1f} s; "
        f"{common.cluster_config(args.clusters)}"
    )
    [job] = common.jobs(project, 1)
    with common.Clusters(args.clusters, "fanout") as clusters:
        if args.wait_sweeper:
            clusters.wait_for_sweeper()
        started = time.time()
        committed = common.transition(job, "Processing")
        saved = time.time()
        common.say(
            f"4: outbox committed in {committed - started:.2f} s, "
            f"save() returned after {saved - started:.2f} s"
        )
        finished = common.wait_all_sent(project, args.rules, timeout=120 + args.rules / 10)
    common.say(f"4: all {args.rules} Sent after {finished - started:.2f} s")
    common.result(
        {
            "rules": args.rules,
            "commit_s": committed - started,
            "save_s": saved - started,
            "all_sent_s": finished - started,
        }
    )


if __name__ == "__main__":
    main()
