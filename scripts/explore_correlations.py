"""Figure and tables: the 37x37 label correlation matrix, and within-question correlations against the values
perfectly exclusive answers would give (per answer pair, and averaged per question).

    python scripts/explore_correlations.py --train-index results/data/train/index.parquet \
        --figure results/figures/explore/correlation_matrix.png \
        --pairs results/tables/within_question_correlations.csv \
        --summary results/tables/within_question_correlation_summary.csv
"""

import logging

import pandas as pd

from gzmorph import binding
from gzmorph.explore import correlation_matrix, question_correlation_summary, within_question_correlations
from gzmorph.figures import save_figure
from gzmorph.figures.explore import correlation_matrix_figure
from gzmorph.io import write_table
from gzmorph.labels import LABEL_COLUMNS

INTERFACE = binding.Interface(
    __doc__,
    inputs=(binding.TRAIN_INDEX,),
    outputs=(
        binding.FIGURE,
        binding.Files("pairs", "output CSV, one row per pair of answers of the same question"),
        binding.Files("summary", "output CSV, one row per question"),
    ),
)


def main(args) -> None:
    labels = pd.read_parquet(args.train_index, columns=list(LABEL_COLUMNS)).to_numpy()
    save_figure(correlation_matrix_figure(correlation_matrix(labels), len(labels)), args.figure)
    pairs = within_question_correlations(labels)
    write_table(pairs, args.pairs, float_format="%.4f")
    summary = question_correlation_summary(pairs)
    write_table(summary, args.summary, float_format="%.4f")
    logging.info(
        "wrote %s, %s, %s (%d galaxies)\n%s",
        args.figure,
        args.pairs,
        args.summary,
        len(labels),
        summary.to_string(index=False),
    )


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
