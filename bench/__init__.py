"""Benchmarks of the delivery engine: `make bench` (see bench/run.py)."""
