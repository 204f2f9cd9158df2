"""Running many simulations: tasks, executors, result files, provenance."""
