"""Delivery-log pages and admin changelists over a million deliveries, on PostgreSQL.

Seeds 1,000 deliveries and times each page (the baseline), grows the log to
1,000,000 rows with set-based SQL, times the same pages again and prints both,
their ratio and the 300 ms target. Uses its own database, mkwebhooks_bench_pages.

    .venv/bin/python bench/pages.py [--rows N]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE = "mkwebhooks_bench_pages"
TARGET_MS = 300
RULES = 20
BASELINE_ROWS = 1_000


def fresh_database() -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")


def django_setup() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.update(
        DATABASE_URL=f"{SERVER}/{DATABASE}",
        DJANGO_SETTINGS_MODULE="mkwebhooks.settings",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_ALLOWED_HOSTS="testserver",
    )
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production")
    os.environ.setdefault(
        "MKWEBHOOKS_ENCRYPTION_KEYS", "yDSI4yrCk2xkrKTpwYgHRhRbb12dLmRhuZ0XKI7LLY0="
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed_rules():
    from django.contrib.auth import get_user_model

    from mkwebhooks.projects.models import Membership, Project, Role
    from rules.models import WebhookRule

    project = Project.objects.create(name="bench")
    rules = WebhookRule.objects.bulk_create(
        WebhookRule(project=project, name=f"hook-{n}", url=f"https://hooks.example.com/{n}",
                    events=["MediaKind.JobStarted", "MediaKind.JobFinished"], enabled=True)
        for n in range(RULES)
    )  # fmt: skip
    users = get_user_model().objects
    users.create_superuser("bench-admin", password="unused-bench-pw")
    viewer = users.create_user("bench-viewer", password="unused-bench-pw")
    Membership.objects.create(project=project, user=viewer, role=Role.VIEWER)
    return project, rules


def grow_log(project, rules, first: int, last: int) -> None:
    """Add events first..last-1, each delivered to two rules: set-based, no Python per row.

    Statuses as a busy day looks: 95 % Sent, 3 % Failed, 1 % Retrying, 1 % Pending;
    creation times spread over the last 30 days, oldest first.
    """
    from django.db import connection

    rule_ids = [rule.pk for rule in rules]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO delivery_event (id, project_id, type, source, sequence, time, data, test)
            SELECT md5('event' || i)::uuid, %(project)s,
                   CASE WHEN i %% 2 = 0 THEN 'MediaKind.JobStarted'
                        ELSE 'MediaKind.JobFinished' END,
                   '/api/v1/projects/bench/transforms/encode/jobs/job-' || i, 1,
                   now() - make_interval(secs => (%(last)s - i) * 2.6), '{}'::jsonb, false
            FROM generate_series(%(first)s, %(last)s - 1) AS i
            """,
            {"project": project.pk, "first": first // 2, "last": last // 2},
        )
        cursor.execute(
            """
            INSERT INTO delivery_delivery (uuid, event_id, rule_id, status, attempts, created,
                                           next_attempt_at, last_attempt_at, final_reason)
            SELECT md5('delivery' || i)::uuid, md5('event' || (i / 2))::uuid,
                   (%(rules)s::bigint[])[1 + (i %% %(n)s)],
                   CASE WHEN i %% 100 < 95 THEN 'Sent' WHEN i %% 100 < 98 THEN 'Failed'
                        WHEN i %% 100 < 99 THEN 'Retrying' ELSE 'Pending' END,
                   1, now() - make_interval(secs => (%(last)s - i) * 1.3),
                   NULL, now() - make_interval(secs => (%(last)s - i) * 1.3), ''
            FROM generate_series(%(first)s, %(last)s - 1) AS i
            """,
            {"rules": rule_ids, "n": len(rule_ids), "first": first, "last": last},
        )
        cursor.execute("ANALYZE")


PAGES = [
    ("log: list", "bench-admin", "/deliveries/"),
    ("log: status=Failed", "bench-admin", "/deliveries/?status=Failed"),
    ("log: rule filter", "bench-admin", "/deliveries/?project=bench&rule=hook-7"),
    ("log: list as viewer", "bench-viewer", "/deliveries/"),
    ("admin: deliveries", "bench-admin", "/admin/delivery/delivery/"),
    ("admin: status=Failed", "bench-admin", "/admin/delivery/delivery/?status__exact=Failed"),
    ("admin: rules", "bench-admin", "/admin/rules/webhookrule/"),
]


def time_pages() -> dict[str, float]:
    """Median of 7 renders after 2 warm-ups, through Django's test client (no network)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    clients = {}
    for username in {user for _, user, _ in PAGES}:
        clients[username] = Client()
        clients[username].force_login(get_user_model().objects.get(username=username))
    figures = {}
    for label, username, path in PAGES:
        samples = []
        for run in range(9):
            started = time.perf_counter()
            response = clients[username].get(path)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (path, response.status_code)
            if run >= 2:
                samples.append(elapsed)
        figures[label] = statistics.median(samples)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="deliveries at the end")
    rows = parser.parse_args().rows
    print(f"creating database {DATABASE} and migrating…", flush=True)
    fresh_database()
    django_setup()
    project, rules = seed_rules()
    grow_log(project, rules, 0, BASELINE_ROWS)
    print(f"timing {len(PAGES)} pages at {BASELINE_ROWS:,} deliveries (baseline)…", flush=True)
    baseline = time_pages()
    step = 200_000
    for first in range(BASELINE_ROWS, rows, step):
        grow_log(project, rules, first, min(first + step, rows))
        print(f"  seeded {min(first + step, rows):,} / {rows:,} deliveries", flush=True)
    print(f"timing the same pages at {rows:,} deliveries…", flush=True)
    grown = time_pages()
    print(f"\n{'page':24} {'1k rows':>9} {f'{rows // 1000:,}k rows':>11} {'ratio':>6}  target")
    for label, _, _ in PAGES:
        verdict = "PASS" if grown[label] < TARGET_MS else "MISS"
        print(
            f"{label:24} {baseline[label]:7.1f}ms {grown[label]:9.1f}ms "
            f"{grown[label] / baseline[label]:5.1f}x  <{TARGET_MS} ms {verdict}"
        )


if __name__ == "__main__":
    main()
