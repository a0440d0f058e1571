"""Stores that record the order of their writes: what proves latest/ is written last."""

from __future__ import annotations

from dwdiag.store import LocalStore


class RecordingStore(LocalStore):
    """A local store that records the key of every write, in order."""

    def __init__(self, root):
        super().__init__(root)
        self.order: list[str] = []

    def write_chunks(self, key, chunks, *args):  # every write of a LocalStore ends here
        self.order.append(key)
        super().write_chunks(key, chunks, *args)


class Recording:
    """Wraps any store and records the order of writes (publish only sees the Store interface)."""

    def __init__(self, store):
        self.store, self.order = store, []

    def write(self, key, data):
        self.order.append(key)
        self.store.write(key, data)

    def write_text(self, key, text, content_type="text/plain; charset=utf-8"):
        self.order.append(key)
        self.store.write_text(key, text, content_type)

    def write_bytes(self, key, body, *args):
        self.order.append(key)
        self.store.write_bytes(key, body, *args)

    def write_chunks(self, key, chunks, *args):
        self.order.append(key)
        self.store.write_chunks(key, chunks, *args)

    def copy(self, source, destination):
        self.order.append(destination)
        self.store.copy(source, destination)

    def __getattr__(self, name):
        return getattr(self.store, name)
