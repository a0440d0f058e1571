"""Function Compute handler: the `computing_storage` diagnostics, on a timer or on demand."""

from dwdiag.fc import handle


def handler(event, context):
    return handle(event, context, "computing_storage")
