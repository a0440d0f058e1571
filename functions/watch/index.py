"""Function Compute handler: the watch, every 10 minutes (or per event from an EventBridge trigger)."""

from dwdiag.fc.watch import handle_watch


def handler(event, context):
    return handle_watch(event, context)
