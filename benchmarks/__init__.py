"""On-demand benchmarks: ``python -m benchmarks`` (or ``make bench``)."""
