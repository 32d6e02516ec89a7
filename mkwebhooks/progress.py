"""A progress bar for long management commands, with no dependency."""

import sys
import time


class Progress:
    """Redraws one line on a terminal; elsewhere prints a line per tenth of the work."""

    WIDTH = 30

    def __init__(self, total: int, label: str, stream=None):
        self.total, self.label, self.done_count = max(total, 0), label, 0
        self.stream = stream or sys.stdout
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.started, self.last_tenth = time.monotonic(), -1

    def advance(self, count: int = 1) -> None:
        self.done_count += count
        fraction = min(self.done_count / self.total, 1.0) if self.total else 1.0
        tenth = int(fraction * 10)
        if not self.tty and tenth == self.last_tenth:
            return
        self.last_tenth = tenth
        bar = "#" * int(fraction * self.WIDTH)
        line = (
            f"{self.label} [{bar:<{self.WIDTH}}] {fraction:4.0%} "
            f"{self.done_count}/{self.total} {time.monotonic() - self.started:.1f}s"
        )
        self.stream.write(f"\r{line}" if self.tty else f"{line}\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
        self.stream.flush()
