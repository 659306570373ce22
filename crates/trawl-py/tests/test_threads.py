"""The GIL is released while a scan runs, so other threads go on."""

from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import trawl

# About 6 MB of indicator-dense text: long enough that a thread waiting
# for the GIL would be seen to run during the scan.
LINE = "beacon hxxp://c2-{n}[.]example[.]com/p from 10.{a}.{b}.7 ok\n"
BIG_TEXT = "".join(
    LINE.format(n=n, a=n % 250, b=n // 250 % 250) for n in range(100_000)
)


@pytest.fixture
def long_switch_interval():
    """Keep the scanning thread from giving up the GIL on its own, so
    only an explicit release lets the other thread run."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(5.0)
    yield
    sys.setswitchinterval(previous)


def count_during(call) -> int:
    """Return how many loop turns another thread made while ``call``
    ran. The loop gives up the GIL on every turn (``sleep(0)``), so it
    never delays the scanning thread's return."""
    turns = 0
    stop = threading.Event()
    started = threading.Event()

    def spin() -> None:
        nonlocal turns
        started.set()
        while not stop.is_set():
            turns += 1
            time.sleep(0)

    thread = threading.Thread(target=spin)
    thread.start()
    started.wait()
    before = turns
    call()
    during = turns - before
    stop.set()
    thread.join()
    return during


def test_text_scan_releases_gil(long_switch_interval):
    engine = trawl.Engine()
    turns = count_during(lambda: engine.extract_from_text(BIG_TEXT))
    assert turns > 100


def test_bytes_scan_releases_gil(long_switch_interval):
    engine = trawl.Engine()
    data = BIG_TEXT.encode()
    turns = count_during(lambda: engine.extract_bytes(data, "big.txt"))
    assert turns > 100


def test_threads_share_engine():
    engine = trawl.Engine()
    texts = [f"host{n}.example.com 10.0.0.{n}" for n in range(32)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        reports = list(pool.map(engine.extract_from_text, texts))
    for n, report in enumerate(reports):
        assert report["iocs"]["ips"] == [f"10.0.0.{n}"]
        assert report["iocs"]["domains"] == [f"host{n}.example.com"]
