"""Where messages for the user go: stdout, or Python's ``logging`` (logger "minikeras", INFO)
after ``keras.config.disable_interactive_logging()``."""
import logging
import sys

from .config import is_interactive_logging_enabled

LOGGER = logging.getLogger("minikeras")


def print_msg(message):
    """Show ``message`` to the user: a line written (and flushed) to stdout, or logged at INFO."""
    if is_interactive_logging_enabled():
        sys.stdout.write(message + "\n")
        sys.stdout.flush()
    else:
        LOGGER.info(message)
