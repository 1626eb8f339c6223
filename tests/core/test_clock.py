from datetime import UTC, datetime, timedelta

from alliance.core import clock


def test_frozen_clock_moves_only_when_told():
    clock.freeze(datetime(2026, 12, 2, 15, 59, 59, tzinfo=UTC))
    assert clock.now_utc() == datetime(2026, 12, 2, 15, 59, 59, tzinfo=UTC)
    assert clock.local_today().isoformat() == "2026-12-02"
    clock.advance(timedelta(seconds=1))
    # 16:00 UTC is midnight in Shanghai: the local day rolls over.
    assert clock.local_today().isoformat() == "2026-12-03"


def test_naive_input_is_read_as_local_time():
    clock.set_zone("Asia/Shanghai")
    assert clock.ensure_utc(datetime(2026, 12, 3, 8, 0)) == datetime(2026, 12, 3, 0, 0, tzinfo=UTC)


def test_local_midnight_is_expressed_in_utc():
    assert clock.local_midnight_utc(datetime(2026, 12, 3).date()) == datetime(2026, 12, 2, 16, 0, tzinfo=UTC)
