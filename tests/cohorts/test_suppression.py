"""Small-cell suppression: "<5" for 1–4, and never a single hidden cell in any row, column or total."""

import itertools
import random

import pytest

from zicht.cohorts import suppression
from zicht.cohorts.analysis import Table


def shown(cells):
    grid, state = suppression.suppress(cells)
    return [
        [suppression.display(v, s) for v, s in zip(row, srow, strict=True)]
        for row, srow in zip(grid, state, strict=True)
    ]


def test_small_cells_show_as_less_than_five_and_zero_stays():
    display = shown([[3, 20, 0], [12, 30, 8]])
    assert display[0][0] == "<5" and display[0][2] == "0"
    assert "3" not in itertools.chain.from_iterable(display)


def test_a_row_total_cannot_give_the_small_cell_away():
    # Row: 3 + 20 + 7 = 30. Showing 20, 7 and 30 would reveal 3, so a second cell is hidden.
    display = shown([[3, 20, 7], [12, 30, 8]])
    assert display[0].count("<5") + display[0].count("x") >= 2
    assert not suppression.reveals_small_cell([[3, 20, 7], [12, 30, 8]], display)


def test_column_totals_are_protected_too():
    cells = [[3, 20], [12, 30], [9, 11]]
    display = shown(cells)
    column = [row[0] for row in display]
    assert sum(v in ("<5", "x") for v in column) >= 2
    assert not suppression.reveals_small_cell(cells, display)


def test_a_small_total_is_itself_suppressed():
    display = shown([[1, 2, 0]])
    assert display[0][3] == "<5"  # row total 3


@pytest.mark.parametrize("seed", range(200))
def test_no_relation_ever_has_exactly_one_hidden_cell(seed):
    rng = random.Random(seed)
    rows, cols = rng.randint(1, 6), rng.randint(1, 6)
    cells = [[rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 15, 40]) for _ in range(cols)] for _ in range(rows)]
    grid, state = suppression.suppress(cells)
    for relation in suppression._relations(rows, cols):
        hidden = [pos for pos in relation if state[pos[0]][pos[1]]]
        assert len(hidden) != 1, (cells, state)
    # Every cell from 1 to 4 is hidden.
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            if 0 < value < 5:
                assert state[i][j] == "primary"


def test_shown_table_leaves_everything_visible_inside_the_school():
    table = Table("t", "T", ["a", "b"], ["x", "y"], [[3, 20], [12, 30]])
    inside = suppression.shown_table(table, suppressed=False)
    outside = suppression.shown_table(table, suppressed=True)
    assert inside["rows"][0]["values"] == ["3", "20", "23"]
    assert outside["rows"][0]["values"][0] == "<5"
    assert outside["rows"][-1]["label"] == "Totaal"
