"""The message a run would send, written beside it instead (`dwdiag demo`, which has no robot)."""

from __future__ import annotations

import threading

from dwdiag.alert.deliver import Send
from dwdiag.store import Store


def preview_sender(store: Store, prefix: str) -> Send:
    """A sender that appends each message to `<prefix>/dingtalk-preview.json` and `.md`."""
    key = f"{prefix}/dingtalk-preview"
    lock = threading.Lock()  # an organization run's accounts send at once, from threads of one process

    def write(body: dict) -> None:
        with lock:
            _append(body)

    def _append(body: dict) -> None:
        sent = store.read(f"{key}.json") or {"messages": []}
        sent["messages"].append(body)
        store.write(f"{key}.json", sent)
        texts = [m.get("markdown", {}).get("text", "") for m in sent["messages"]]
        store.write_text(f"{key}.md", "\n\n---\n\n".join(texts) + "\n", "text/markdown; charset=utf-8")

    return write
