"""Galaxy Zoo morphology and merger-rate pipeline: shared code for the Snakemake workflow."""

__version__ = "0.1.0"
