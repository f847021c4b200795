"""Environment-based settings shared by every ops tool.

Settings are read from ``OPS_*`` environment variables so that the same
script behaves identically on a laptop, in CI and on a bastion host.
"""

import os
from dataclasses import dataclass

ENV_PREFIX = "OPS_"
_TRUE_VALUES = {"1", "true", "yes", "on"}
_FALSE_VALUES = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Settings:
    """Runtime settings resolved from the environment."""

    environment: str = "dev"
    log_level: str = "INFO"
    dry_run: bool = True
    timeout: float = 5.0


def parse_bool(value, default=False):
    """Interpret common truthy/falsy strings; fall back to ``default``."""
    if value is None:
        return default
    text = value.strip().lower()
    if text in _TRUE_VALUES:
        return True
    elif text in _FALSE_VALUES:
        return False
    raise ValueError(f"not a boolean value: {value!r}")


def load_settings(environ=None):
    """Build :class:`Settings` from ``environ`` (defaults to ``os.environ``)."""
    env = os.environ if environ is None else environ
    defaults = Settings()
    return Settings(
        environment=env.get(ENV_PREFIX + "ENVIRONMENT", defaults.environment),
        log_level=env.get(ENV_PREFIX + "LOG_LEVEL", defaults.log_level).upper(),
        dry_run=parse_bool(env.get(ENV_PREFIX + "DRY_RUN"), defaults.dry_run),
        timeout=float(env.get(ENV_PREFIX + "TIMEOUT", defaults.timeout)),
    )
