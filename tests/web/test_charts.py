"""The companions graph on an entity's page: every label inside the drawing, no empty square for a short list."""
from __future__ import annotations

import re

import pytest

from search_api.web.charts import star_graph

NAMES = ["Марія Коваленко", "СІЗО-2 (Таганрог) Ростовської області", "Оленівка", "Петро Іванович Шевченко",
         "Колонія №10, Запорізька область", "Бердянськ", "Ivan Kovalenko", "Кирило"]
CHAR_WIDTH = 7  # at most, for the 12 px labels (at most 22 characters) of the drawing


def _box(svg: str) -> tuple[float, float, float, float]:
    x, y, width, height = map(float, re.search(r'viewBox="([^"]+)"', svg).group(1).split())
    return x, y, x + width, y + height


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8])
def test_every_node_and_label_is_inside_the_drawing(count):
    svg = str(star_graph("Андрій Коваленко", [(NAMES[i], count - i, "person") for i in range(count)]))
    left, top, right, bottom = _box(svg)
    labels = re.findall(r'<text x="([\d.-]+)" y="([\d.-]+)" text-anchor="(\w+)"[^>]*>([^<]*)</text>', svg)
    assert len(labels) == count + 1  # the companions and the centre
    for x, y, anchor, text in labels:
        x, y, width = float(x), float(y), CHAR_WIDTH * len(text)
        start = {"start": x, "end": x - width, "middle": x - width / 2}[anchor]
        assert left <= start and start + width <= right, text
        assert top <= y - 12 and y <= bottom, text
    for cx, cy in re.findall(r'<circle cx="([\d.-]+)" cy="([\d.-]+)"', svg):
        assert left <= float(cx) <= right and top <= float(cy) <= bottom


def test_one_or_two_companions_take_a_strip_not_a_square():
    one = _box(str(star_graph("Андрій Коваленко", [("Марія Коваленко", 3, "person")])))
    two = _box(str(star_graph("Андрій Коваленко", [("Марія Коваленко", 3, "person"), ("Оленівка", 1, "place")])))
    many = _box(str(star_graph("Андрій Коваленко", [(name, 1, "place") for name in NAMES])))
    assert one[3] - one[1] < 100 and two[3] - two[1] < 100
    assert many[3] - many[1] > 300
    assert star_graph("Андрій Коваленко", []) == ""
