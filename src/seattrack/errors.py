"""User-facing errors: one line, naming the input and what was expected.

The CLI turns these into a one-line message and exit code 2; library callers can catch them as ValueError.
"""


class SeatError(ValueError):
    """Bad user input or data: the message names the input and what was expected."""
