"""Benchmarks: each module exposes `run(...) -> list[dict]`, one row per measured request kind,
and runs on its own with `python -m benchmarks.<module>`. They measure, they do not assert."""
