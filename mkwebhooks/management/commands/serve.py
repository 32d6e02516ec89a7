import signal

from django.core.management.base import BaseCommand

from mkwebhooks.devtools import demo, processes


class Command(BaseCommand):
    help = "Start the web server and a qcluster in the foreground until Ctrl-C (make run)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, port: int, **options):
        token = demo.demo_setup()
        env = processes.child_env()
        cluster = processes.start_qcluster(env)
        web = processes.start_web(port, env)
        base = f"http://127.0.0.1:{port}"
        self.stdout.write(
            f"\n  Admin:      {base}/admin/   (user {demo.USERNAME}, password {demo.PASSWORD})\n"
            f"  Deliveries: {base}/deliveries/\n"
            f"  API:        {base}/api/v1/projects   (Authorization: Bearer {token})\n"
            f"  Health:     {base}/healthz\n\nPress Ctrl-C to stop.\n"
        )
        stop_signals = {signal.SIGINT, signal.SIGTERM}
        # Blocked only now, after the children started, so they do not inherit the mask.
        signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
        try:
            signal.sigwait(stop_signals)
        finally:
            self.stdout.write("Stopping the web server and the qcluster…")
            processes.stop(web)
            processes.stop(cluster)
