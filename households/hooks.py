"""Other apps react to registry changes without the registry importing them.

Screening registers a callback in its AppConfig.ready(); the registry calls ``households_changed``
after a commit, with the ids of the households whose facts changed.
"""

from collections.abc import Callable, Iterable

from django.db import transaction

_listeners: list[Callable[[list[int]], None]] = []


def on_households_changed(callback: Callable[[list[int]], None]) -> None:
    if callback not in _listeners:
        _listeners.append(callback)


def households_changed(household_ids: Iterable[int]) -> None:
    ids = sorted({int(i) for i in household_ids if i})
    if not ids:
        return
    for callback in list(_listeners):
        transaction.on_commit(lambda cb=callback: cb(ids))
