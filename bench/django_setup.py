"""Imported first by every child process: configure Django from the environment run.py set.

Settings are read from environment variables when they are imported, so each database and
broker configuration runs in its own process with its own environment.
"""

import os
import signal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mkwebhooks.settings")
django.setup()


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # a SIGTERM runs the finally blocks that stop the qclusters


signal.signal(signal.SIGTERM, _interrupt)
