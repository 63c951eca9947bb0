"""The low shelf: pixels and boxes that data, tracking, evaluation and export all stand on.

It imports nothing from the packages above it."""
