"""Benchmarks with fixed synthetic data. See bench/README.md for the convention and results."""
