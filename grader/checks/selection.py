"""Which pytest selection (a path, a folder or a node id) contains a test."""

from __future__ import annotations


def selects(selection: str, nodeid: str) -> bool:
    sel = selection.rstrip("/")
    return nodeid == sel or nodeid.startswith((sel + "::", sel + "/", sel + "["))


def owner_name(nodeid: str, selections: dict[str, list[str]]) -> str | None:
    """The group whose most specific selection contains the test, or None."""
    best: tuple[int, str] | None = None
    for name, group in selections.items():
        for selection in group:
            if selects(selection, nodeid) and (best is None or len(selection) > best[0]):
                best = (len(selection), name)
    return best[1] if best else None
