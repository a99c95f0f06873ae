"""Bundled models prepared offline: GGUF assembly, e5 conversion, checksums, reports."""
