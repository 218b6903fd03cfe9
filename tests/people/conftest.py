"""Helpers for the people tests: files the way school systems and Excel write them."""

import io

import pytest

try:  # the shared helpers, however pytest put tests/ on the path
    from tests.conftest import make_user, screenshot  # noqa: F401
except ImportError:
    from conftest import make_user, screenshot  # noqa: F401


def csv_bytes(lines, delimiter=",", bom=False, encoding="utf-8"):
    text = "\r\n".join(delimiter.join(cells) for cells in lines) + "\r\n"
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(lines):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for cells in lines:
        sheet.append(list(cells))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GOOD_LINES = [
    ["role", "school number", "first name", "last name", "phone", "e-mail", "gender", "language", "mentor"],
    ["mentor", "M20", "Ahmed", "El Amrani", "06-11112222", "ahmed@example.org", "m", "nl", ""],
    ["student", "S20", "Lotte", "Smit", "06 2222 3333", "", "f", "nl", "M20"],
    ["student", "S21", "Daan", "Visser", "+31 6 33334444", "daan@example.org", "m", "en", "M1"],
    ["student", "S22", "Noor", "", "", "noor@example.org", "", "", ""],
]


@pytest.fixture
def good_csv():
    return csv_bytes(GOOD_LINES)
