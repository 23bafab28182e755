"""Robot suites run in parallel (pabot), progress streamed while they run, one result model."""
