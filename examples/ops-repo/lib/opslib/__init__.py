"""Shared helpers for the operations scripts in this repository."""

from opslib.config import Settings, load_settings
from opslib.logging_setup import get_logger

__all__ = ["Settings", "get_logger", "load_settings"]
__version__ = "1.0.0"
