"""Function Compute handler: the `data_production` diagnostics, on a timer or on demand."""

from dwdiag.fc import handle


def handler(event, context):
    return handle(event, context, "data_production")
