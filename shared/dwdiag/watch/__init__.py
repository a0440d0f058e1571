"""The watch: re-checks, within minutes, what ActionTrail write events say changed (docs/watch.md).

    the cursor (store)  ->  write events since it (collectors/trail_events.py)
      ->  the objects they name (table.py, catalog/watch.yaml)
      ->  those objects collected again and their items judged (dwdiag.sweep, dwdiag.evaluate)
      ->  latest/ updated for exactly those findings, the diff, the alert naming the event (run.py)
"""
