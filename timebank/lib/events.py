"""Domain events: how a lower layer causes work in a higher one without importing it.

The lower app publishes (`publish(MEMBER_MOVED, person=..., old_node_id=...)`); the higher app
subscribes in its `AppConfig.ready()`. Handlers run synchronously, inside the publisher's transaction,
in the order they subscribed, so a handler's writes commit or roll back with the change they follow
(a handler that wants to wait for the commit uses `transaction.on_commit` itself). `publish` returns
the handlers' results, so a lower report can gather sections the higher apps contribute."""
from collections import defaultdict
from collections.abc import Callable
from typing import Any

_handlers: dict[str, list[Callable[..., Any]]] = defaultdict(list)


def subscribe(event: str, handler: Callable[..., Any]) -> None:
    if handler not in _handlers[event]:
        _handlers[event].append(handler)


def publish(event: str, **payload: Any) -> list[Any]:
    return [handler(**payload) for handler in _handlers.get(event, ())]
