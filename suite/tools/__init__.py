"""Command-line tools and result files: the main job, compare, gate, matrix, validate."""
