# Predictions for the unlabelled set as a scatter-gather over chunks of images: a checkpoint counts the
# preprocessed target images, one predict_chunk job per predict.chunk_size images (in parallel on a cluster), and
# gather_predictions writes one catalogue (the ensemble's mean and spread, and each fold model's merger vote). Then
# the merger report, calibrated by the merger calibration table of rules/models.smk (cross-fitted over the folds).
from gzmorph.mergers.reference import REFERENCE_FILE as MERGER_REFERENCE


wildcard_constraints:
    chunk=r"\d+",


# The unlabelled shard set's index (its shards and summary.json beside it).
TARGET_INDEX = one(rules.preprocess.output.index, imageset="target")


checkpoint plan_prediction_chunks:
    input:
        target_index=TARGET_INDEX,
    output:
        plan="results/predictions/chunk_plan.json",
    log:
        log="results/logs/plan_prediction_chunks.log",
    benchmark:
        "results/benchmarks/plan_prediction_chunks.tsv"
    conda:
        "../envs/models.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        predict=config_slice("predict"),
    script:
        "../scripts/plan_prediction_chunks.py"


rule predict_chunk:
    input:
        model=rules.publish_best.output.model_pt,
        target_index=TARGET_INDEX,
        plan=rules.plan_prediction_chunks.output.plan,
    output:
        predictions="results/predictions/chunks/{chunk}.parquet",
    log:
        log="results/logs/predict_chunk/{chunk}.log",
    benchmark:
        "results/benchmarks/predict_chunk/{chunk}.tsv"
    conda:
        "../envs/models.yaml"
    threads: 4
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        predict=config_slice("predict"),
    script:
        "../scripts/predict_chunk.py"


rule gather_predictions:
    input:
        chunks=prediction_chunks,
        plan=rules.plan_prediction_chunks.output.plan,
    output:
        parquet="results/predictions/target_catalogue.parquet",
        csv=report(
            "results/predictions/target_catalogue.csv",
            caption="../report/target_catalogue.rst",
            category="Predictions",
            labels={"title": "Catalogue of the unlabelled set", "max_rows": "10"},
        ),
    log:
        log="results/logs/gather_predictions.log",
    benchmark:
        "results/benchmarks/gather_predictions.tsv"
    conda:
        "../envs/models.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    script:
        "../scripts/gather_predictions.py"


rule merger_report:
    input:
        calibration_table=rules.publish_best.output.calibration,
        target_catalogue=rules.gather_predictions.output.parquet,
        train_index=TRAIN_INDEX,
        target_index=TARGET_INDEX,
        reference=MERGER_REFERENCE,
    output:
        report=report(
            "results/report/merger_fraction.md",
            caption="../report/merger_fraction.rst",
            category="Mergers",
            labels={"title": "Merger fraction write-up", "html": "no"},
        ),
        numbers=report(
            "results/tables/merger_fraction.json",
            caption="../report/merger_numbers.rst",
            category="Mergers",
            labels={"title": "Merger fraction: numbers", "html": "no"},
        ),
        p_merger="results/predictions/p_merger.parquet",
        curves="results/tables/merger_calibration_curves.json",
        calibration_figure=report(
            "results/figures/mergers/calibration.png",
            caption="../report/merger_calibration.rst",
            category="Mergers",
            labels={"title": "Calibration on held-out galaxies"},
        ),
        gallery_figure=report(
            "results/figures/mergers/candidates.png",
            caption="../report/merger_candidates.rst",
            category="Mergers",
            labels={"title": "Merger candidates"},
        ),
        threshold_sweep_figure=report(
            "results/figures/mergers/threshold_sweep.png",
            caption="../report/merger_threshold_sweep.rst",
            category="Mergers",
            labels={"title": "Threshold sweep"},
        ),
        rate_comparison_figure=report(
            "results/figures/mergers/rate_comparison.png",
            caption="../report/merger_rate_comparison.rst",
            category="Mergers",
            labels={"title": "Merger rate against T_obs"},
        ),
        coverage_figure=report(
            "results/figures/mergers/coverage.png",
            caption="../report/merger_coverage.rst",
            category="Mergers",
            labels={"title": "Known-answer diagnostic: figure"},
        ),
    log:
        log="results/logs/merger_report.log",
    benchmark:
        "results/benchmarks/merger_report.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        mergers=config_slice("mergers"),
    script:
        "../scripts/merger_report.py"
