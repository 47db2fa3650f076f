"""What the IOC publishes under its own message numbers (source `ioc`): tasks to people and
commands to gateways. The simulator's clock waits for every number the IOC announces in its
tick acknowledgements, so a number is taken only by a message that is sent, and the last one
is kept in the store for a restart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import BaseModel

from ioc.contract import encode
from ioc.storage.store import Store

SOURCE = "ioc"  # the IOC's own msg_seq source for tasks and commands


class Outbox:
    def __init__(self, publish: Callable[[str, bytes], None], store: Store):
        self._publish = publish
        self._store = store
        self.last_seq = 0

    def next_seqs(self, n: int) -> range:
        """The numbers the next `n` messages take (taken only once `send` sends them)."""
        return range(self.last_seq + 1, self.last_seq + n + 1)

    def send(self, messages: Sequence[tuple[str, BaseModel]]) -> None:
        """Publish (topic, message) pairs numbered from `next_seqs`, in order."""
        for topic, msg in messages:
            self._publish(topic, encode(msg))
        self.last_seq += len(messages)
        self._store.set_meta("out_seq", str(self.last_seq))

    def restore(self, last_seq: int) -> None:
        self.last_seq = last_seq
