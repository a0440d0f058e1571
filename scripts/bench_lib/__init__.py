"""The benchmark of scripts/bench: a generated tenant, the emulator at realistic quotas, timed sweeps."""
