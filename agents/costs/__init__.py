"""What a run costs: an estimate before it, live totals during it, a breakdown and tips after it.

Prices live in ``prices.toml`` (Bedrock per 1k tokens, S3 storage and requests, compute per vCPU-hour)
so they can be updated without code changes. ``estimate`` prices a RunConfig; ``runs`` prices what a
run's checkpoints recorded and stores it with the run.
"""
