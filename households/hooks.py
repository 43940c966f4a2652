"""Other apps react to registry changes without the registry importing them.

Screening registers a callback in its AppConfig.ready(); the registry calls ``households_changed``
after a commit, with the ids of the households whose facts changed.

Summary tables (stats) register with ``on_households_written`` instead: they are called at once,
inside the writer's transaction, so the counts commit (or roll back) with the change itself.
``communities``: areas the households were in before the change (a household moved away).
"""

import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from django.db import transaction

_listeners: list[Callable[[list[int]], None]] = []
_in_transaction: list[Callable[..., None]] = []
_once_per_run: set[Callable[..., None]] = set()
_state = threading.local()


def on_households_changed(callback: Callable[[list[int]], None]) -> None:
    if callback not in _listeners:
        _listeners.append(callback)


def on_households_written(callback: Callable[..., None], *, every_batch: bool = True) -> None:
    """``every_batch=False``: a listener whose cost is its communities', not its households';
    inside ``batches()`` it is left out, and the run calls ``households_written`` once at the end
    with everything it wrote (200 batches of a 1M-person sweep would recount the city 200 times)."""
    if callback not in _in_transaction:
        _in_transaction.append(callback)
    if not every_batch:
        _once_per_run.add(callback)


@contextmanager
def batches():
    """A run of committed batches that ends with one ``households_written`` of all it wrote."""
    depth = getattr(_state, "batches", 0)
    _state.batches = depth + 1
    try:
        yield
    finally:
        _state.batches = depth


@contextmanager
def coalesced():
    """The ``households_written`` calls inside reach the listeners once, at the end, with all the
    households written (a test fixture building a world of twenty households recounts once).
    Nested blocks join the outermost one. Inside one transaction only: the counts of an
    exception's partial writes are not recounted."""
    if getattr(_state, "gathered", None) is not None:
        yield
        return
    _state.gathered = gathered = [set(), set(), False]
    try:
        yield
    finally:
        _state.gathered = None
    households_written(gathered[0], gathered[1], everyone=gathered[2])


def households_written(
    household_ids: Iterable[int], communities: Iterable[int] = (), *, everyone: bool = False
) -> None:
    """Tell the in-transaction listeners (summary counts) now; no after-commit reactions.
    ``everyone``: the whole registry was compared (a full screening sweep)."""
    ids = sorted({int(i) for i in household_ids if i})
    areas = sorted({int(i) for i in communities if i})
    gathered = getattr(_state, "gathered", None)
    if gathered is not None:
        gathered[0].update(ids), gathered[1].update(areas)
        gathered[2] = gathered[2] or everyone
        return
    if ids or areas or everyone:
        in_batches = getattr(_state, "batches", 0) > 0
        for callback in list(_in_transaction):
            if in_batches and callback in _once_per_run:
                continue
            callback(ids, communities=areas, everyone=everyone)


def households_changed(household_ids: Iterable[int], communities: Iterable[int] = ()) -> None:
    ids = sorted({int(i) for i in household_ids if i})
    households_written(ids, communities)
    if not ids:
        return
    for callback in list(_listeners):
        transaction.on_commit(lambda cb=callback: cb(ids))
