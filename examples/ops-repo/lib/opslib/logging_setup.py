"""Consistent logging configuration for the ops tools."""

import logging
import sys

DEFAULT_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"


def get_logger(name, level="INFO", stream=None):
    """Return a logger that writes one formatted line per record to stderr.

    Calling this twice for the same ``name`` does not add duplicate handlers.
    """
    logger = logging.getLogger(name)
    if not logger.handlers:
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.setFormatter(logging.Formatter(DEFAULT_FORMAT))
        logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False
    return logger
