"""Where the CPU goes: pyinstrument over the transitions and over the worker's task, in-process.

`.venv/bin/python bench/run.py --profile` runs this on PostgreSQL + Redis. The transitions
are driven as in part 2; then the deliver tasks they enqueued are taken off the broker and
run here, one after another, as a qcluster worker would run them (no qcluster is started).
"""

import argparse
from pydoc import locate

from pyinstrument import Profiler

from bench import common
from bench.throughput import drive
from delivery.models import Delivery


def run_enqueued_tasks() -> int:
    """Run every task waiting in the broker, in this process, as a worker would."""
    # Imported here: django_q reads the settings on import, after bench.common set Django up.
    from django_q.brokers import get_broker
    from django_q.signing import SignedPackage

    broker, ran = get_broker(), 0
    while task := broker.dequeue():
        for acknowledge_id, package in task:
            task = SignedPackage.loads(package)
            locate(task["func"])(*task["args"], **task["kwargs"])
            broker.acknowledge(acknowledge_id)
            ran += 1
    return ran


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--transitions", type=int, default=1000)
    args = parser.parse_args()
    project = common.project("profile")
    common.rules(project, args.url, 2)
    jobs = common.jobs(project, args.transitions)
    for title, work in (
        (f"{args.transitions} transitions (the driver)", lambda: drive(jobs)),
        ("the deliver tasks they enqueued (one worker)", run_enqueued_tasks),
    ):
        profiler = Profiler(interval=0.0005)
        with profiler:
            work()
        common.say(f"== profile: {title}")
        common.say(profiler.output_text(unicode=False, color=False, show_all=False))
    sent = Delivery.objects.filter(event__project=project, status="Sent").count()
    common.result({"transitions": args.transitions, "sent": sent})


if __name__ == "__main__":
    main()
