"""Scripts that measure Warta and print figures (run with ``python -m benchmarks.<name>``)."""
