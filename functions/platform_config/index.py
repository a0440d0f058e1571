"""Function Compute handler: the `platform_config` diagnostics, on a timer or on demand."""

from dwdiag.fc import handle


def handler(event, context):
    return handle(event, context, "platform_config")
