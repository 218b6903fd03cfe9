"""Small-cell suppression for tables shown or exported outside the owning school.

Primary: a count from 1 to 4 is shown as "<5" (0 is shown: it is not a small group of people).
Secondary: every additive relation (a row with its total, a column with its total, the totals row
and the totals column with the grand total) must never hold exactly one hidden cell, otherwise
the hidden value is the total minus the visible cells. While some relation has exactly one hidden
cell we hide one more in it: the smallest non-zero visible inner cell, or the total when only
zeros are left. Secondary cells are shown as "x" (they are not necessarily small).

This is the standard greedy heuristic (docs/cohorts.md): it removes every single-equation
disclosure; it does not solve the full linear-programming attack on large multi-way tables.
"""

THRESHOLD = 5
SMALL = "<5"
HIDDEN = "x"


def _grid(cells):
    """Inner cells plus margins: the last column holds row totals, the last row column totals."""
    rows, cols = len(cells), len(cells[0]) if cells else 0
    grid = [list(row) + [sum(row)] for row in cells]
    grid.append([sum(cells[i][j] for i in range(rows)) for j in range(cols)] + [sum(map(sum, cells))])
    return grid


def _relations(rows, cols):
    """Each relation is a list of grid positions whose last element is the total of the others."""
    relations = [[(i, j) for j in range(cols + 1)] for i in range(rows + 1)]
    relations += [[(i, j) for i in range(rows + 1)] for j in range(cols + 1)]
    return relations


def suppress(cells, threshold=THRESHOLD):
    """Return (grid, state) for a table of counts.

    ``grid`` includes margins (see _grid); ``state[i][j]`` is "" (shown), "primary" or "secondary".
    """
    if not cells or not cells[0]:
        return _grid(cells), [[""]]
    rows, cols = len(cells), len(cells[0])
    grid = _grid(cells)
    state = [["primary" if 0 < value < threshold else "" for value in row] for row in grid]
    relations = _relations(rows, cols)
    changed = True
    while changed:
        changed = False
        for relation in relations:
            hidden = [pos for pos in relation if state[pos[0]][pos[1]]]
            if len(hidden) != 1:
                continue
            inner = relation[:-1]
            candidates = [pos for pos in inner if not state[pos[0]][pos[1]] and grid[pos[0]][pos[1]] > 0]
            if candidates:
                pick = min(candidates, key=lambda pos: (grid[pos[0]][pos[1]], pos))
            else:
                # Only zeros are visible besides the hidden cell: hide the total (or, when the total
                # is the hidden one, any zero: a hidden total over visible cells reveals nothing,
                # but the relation must still hold two hidden cells for the rule to be uniform).
                total = relation[-1]
                pick = (
                    total
                    if not state[total[0]][total[1]]
                    else next((pos for pos in inner if not state[pos[0]][pos[1]]), None)
                )
                if pick is None:
                    continue
            state[pick[0]][pick[1]] = "secondary"
            changed = True
    return grid, state


def display(value, cell_state):
    if cell_state == "primary":
        return SMALL
    if cell_state == "secondary":
        return HIDDEN
    return str(value)


def shown_table(table, suppressed):
    """Rows ready for a template or CSV: labels plus display strings, totals last.

    ``suppressed`` False (inside the owning school) shows every number.
    """
    grid, state = suppress(table.cells) if suppressed else (_grid(table.cells), None)
    rows = []
    labels = [*table.row_labels, "Totaal"]
    for i, label in enumerate(labels):
        values = [display(grid[i][j], state[i][j] if state else "") for j in range(len(table.col_labels) + 1)]
        rows.append({"label": label, "values": values, "is_total": i == len(table.row_labels)})
    return {
        "key": table.key,
        "title": table.title,
        "note": table.note,
        "columns": [*table.col_labels, "Totaal"],
        "rows": rows,
    }


def reveals_small_cell(cells, grid_display):
    """True when some hidden small cell can be computed from one relation (used by tests)."""
    rows, cols = len(cells), len(cells[0])
    grid = _grid(cells)
    for relation in _relations(rows, cols):
        hidden = [pos for pos in relation if grid_display[pos[0]][pos[1]] in (SMALL, HIDDEN)]
        if len(hidden) == 1 and grid_display[hidden[0][0]][hidden[0][1]] == SMALL:
            return True
    del grid
    return False
