"""Stores that record the order of their writes (what proves latest/ is written last), and a store whose
writers wait for each other (what makes two writers read before either writes)."""

from __future__ import annotations

import threading

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


class Gated:
    """A store whose writers wait for each other at chosen writes: `after(key)` true, a writer waits
    once after that write; `before(key)` true, once before it. Records every write, and which thread."""

    def __init__(self, inner, parties: int, after=lambda key: False, before=lambda key: False):
        self.inner, self.after, self.before = inner, after, before
        self.barrier = threading.Barrier(parties, timeout=30)
        self.local = threading.local()
        self.writes: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def _wait(self, kind: str, key: str, test) -> None:
        done = self.local.__dict__.setdefault(kind, False)
        if not done and test(key):
            self.local.__dict__[kind] = True
            self.barrier.wait()

    def _write(self, key: str, do) -> None:
        self._wait("before", key, self.before)
        do()
        with self.lock:
            self.writes.append((threading.current_thread().name, key))
        self._wait("after", key, self.after)

    def write(self, key, data):
        self._write(key, lambda: self.inner.write(key, data))

    def write_text(self, key, text, *args):
        self._write(key, lambda: self.inner.write_text(key, text, *args))

    def write_bytes(self, key, body, *args):
        self._write(key, lambda: self.inner.write_bytes(key, body, *args))

    def write_chunks(self, key, chunks, *args):
        self._write(key, lambda: self.inner.write_chunks(key, chunks, *args))

    def copy(self, source, destination):
        self._write(destination, lambda: self.inner.copy(source, destination))

    def delete(self, key):
        self._write(key, lambda: self.inner.delete(key))

    def __getattr__(self, name):
        return getattr(self.inner, name)


def in_threads(*calls) -> None:
    errors: list[BaseException] = []

    def guarded(call):
        try:
            call()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(c,), name=f"writer-{i}") for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)
