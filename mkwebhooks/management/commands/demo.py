import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from mkwebhooks.devtools import demo, processes
from mkwebhooks.devtools.receiver import Receiver


class Command(BaseCommand):
    help = "Run the end-to-end demo: web server, qcluster, a receiver, and verified webhooks."

    def handle(self, *args, **options):
        token = demo.demo_setup()
        logs = Path(settings.BASE_DIR) / ".local" / "demo-logs"
        logs.mkdir(parents=True, exist_ok=True)
        env = processes.child_env()
        port = processes.free_port()
        started = timezone.now()
        with Receiver() as receiver:
            self.stdout.write(f"Receiver on {receiver.url}; process logs in {logs}")
            cluster = processes.start_qcluster(env, logs / "qcluster.log")
            web = processes.start_web(port, env, logs / "web.log")
            try:
                ok = self.run_demo(f"http://127.0.0.1:{port}", token, receiver, started)
            finally:
                processes.stop(web)
                processes.stop(cluster)
        if not ok:
            raise CommandError(f"The demo failed; see the lines marked ✗ and the logs in {logs}.")
        self.stdout.write(
            self.style.SUCCESS(
                "\nDemo passed: every expected webhook arrived, once, as a valid CloudEvent "
                "with its secret header and query parameter."
            )
            + f"\nNext: `make run`, then sign in at /admin/ as {demo.USERNAME} / {demo.PASSWORD}."
        )

    def run_demo(self, base: str, token: str, receiver: Receiver, started) -> bool:
        api = demo.Api(base, token)
        self.stdout.write(f"\nThrough the HTTP API at {base}:")
        demo.put_rules(api, receiver.url)
        demo.drive_resources(api, suffix=time.strftime("%H%M%S"))
        expected = len(demo.expected_deliveries())
        demo.wait_until_settled(started, expected, timeout=60)
        received = receiver.wait_for(expected, timeout=5)
        time.sleep(1)  # anything unexpected that is still on its way
        ok = demo.verify(receiver.requests)
        demo.print_log(started)
        demo.disable_rules(api)  # the receiver stops with the demo; keep the log, not the rules
        return ok and len(received) == expected
