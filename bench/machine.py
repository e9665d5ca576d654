"""How fast the host is right now, so benchmark figures from different runs and days can be compared.

The shared machines this project is measured on change speed from hour to hour: on 2026-12-01 the same search
benchmark, code unchanged, gave 3,276 and then 2,027 pages/s on an idle machine 25 minutes apart. The load average
cannot show that (it counts our own threads, not a neighbour's), so the search benchmark also times a fixed workload
that does not depend on svidok's code: dictionary lookups, string splitting and joining, and a regular expression
over Cyrillic text, the operations search analysis spends its time in.
"""
from __future__ import annotations

import random
import re
import statistics
import time

_WORD = re.compile(r"\w+")


def reference_ms(repeats: int = 3) -> float:
    """Median milliseconds of a fixed pure-Python workload (on 2026-12-01, 163-266 ms while the
    host was in a slow phase, when search analysis ran at 176-251 us a page against 103-116 an hour before)."""
    rng = random.Random(1)
    letters = "абвгдежзиклмнопрстуфхцчшщюяії"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 11))) for _ in range(20_000)]
    table = {word: word.upper() for word in words}
    text = " ".join(rng.choice(words) for _ in range(200))
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(3_000):
            " ".join(map(table.__getitem__, text.split()))
            _WORD.findall(text)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def describe() -> str:
    return f"reference workload {reference_ms():.0f} ms (bench/machine.py: more means a slower host)"


if __name__ == "__main__":
    print(describe())
