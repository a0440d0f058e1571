"""Rules of `data_production`, one module per part of the category:

- `workspaces`: the workspace's mode (`workspace_standard_mode`) and whether its compute engines keep
  development apart from production (`compute_env_isolation`);
- `members`: how many administrators a workspace has (`workspace_admin_count`) and how many roles a
  member holds (`member_single_role`);
- `identities`: the RAM users production jobs run as never sign in (`schedule_identity_login`);
- `deployments`: what reached production in a window and who developed and deployed it, read by
- `review`: code review before deployment (`code_review_enabled`), and
- `separation`: nobody deploys their own work (`deploy_separation`).
"""

from dwdiag.checks.data_production import identities, members, review, separation, workspaces  # noqa: F401
