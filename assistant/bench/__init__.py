"""Benchmarks behind `assistant bench`; the product never imports this package."""
