"""DingTalk alerts: what changed in a run (digest), the markdown message, and the signed robot client."""
