"""A monotonic clock for tests of waiting code: time moves only when something sleeps on it."""

from __future__ import annotations


class FakeClock:
    """Stands in for a ``time.monotonic``-like callable and for the ``time`` module (``monotonic``/``sleep``)."""

    def __init__(self, now=1000.0):
        self.now = now
        self.sleeps = []

    def __call__(self):
        return self.now

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
