import datetime as dt

import pytest
from django.utils import timezone


class Clock:
    """A settable "now" for code that reads django.utils.timezone.now (auto_now_add included)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def set(self, *args: int) -> None:
        self.now = dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock(dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC))
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock
