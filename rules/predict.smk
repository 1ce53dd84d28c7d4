# Predictions for the unlabelled set as a scatter-gather over chunks of images: a checkpoint counts the
# preprocessed test images, one predict_chunk job per predict.chunk_size images (in parallel on a
# cluster), gather_predictions writes one catalogue. Then the merger report.
from gzmorph.mergers.reference import REFERENCE_FILE as MERGER_REFERENCE


wildcard_constraints:
    chunk=r"\d+",


checkpoint plan_prediction_chunks:
    input:
        test_index="results/data/test/index.parquet",
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
        model="results/models/best/model.pt",
        test_index="results/data/test/index.parquet",
        plan="results/predictions/chunk_plan.json",
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
        plan="results/predictions/chunk_plan.json",
    output:
        parquet="results/predictions/test_catalogue.parquet",
        csv="results/predictions/test_catalogue.csv",
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


# ADAPTER (delete when the cross-fitted fold models are merged; the merger rule then reads the fold models'
# results/predictions/merger_calibration.parquet and results/predictions/test_catalogue.parquet directly).
rule merger_inputs:
    input:
        calibration="results/predictions/labelled_test/best.parquet",
        test_catalogue="results/predictions/test_catalogue.parquet",
        train_index="results/data/train/index.parquet",
    output:
        calibration_table="results/predictions/merger_calibration.parquet",
        target_catalogue="results/predictions/adapter/test_catalogue.parquet",
    log:
        log="results/logs/merger_inputs.log",
    benchmark:
        "results/benchmarks/merger_inputs.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/merger_inputs.py"


rule merger_report:
    input:
        calibration_table=rules.merger_inputs.output.calibration_table,
        target_catalogue=rules.merger_inputs.output.target_catalogue,
        train_index="results/data/train/index.parquet",
        test_index="results/data/test/index.parquet",
        reference=MERGER_REFERENCE,
    output:
        report=report(
            "results/report/merger_fraction.md",
            caption="../report/merger_fraction.rst",
            category="Mergers",
        ),
        numbers=report(
            "results/tables/merger_fraction.json",
            caption="../report/merger_numbers.rst",
            category="Mergers",
        ),
        p_merger="results/predictions/p_merger.parquet",
        curves="results/tables/merger_calibration_curves.json",
        calibration_figure=report(
            "results/figures/mergers/calibration.png",
            caption="../report/merger_calibration.rst",
            category="Mergers",
        ),
        gallery_figure=report(
            "results/figures/mergers/candidates.png",
            caption="../report/merger_candidates.rst",
            category="Mergers",
        ),
        threshold_sweep_figure=report(
            "results/figures/mergers/threshold_sweep.png",
            caption="../report/merger_threshold_sweep.rst",
            category="Mergers",
        ),
        rate_comparison_figure=report(
            "results/figures/mergers/rate_comparison.png",
            caption="../report/merger_rate_comparison.rst",
            category="Mergers",
        ),
        coverage_figure=report(
            "results/figures/mergers/coverage.png",
            caption="../report/merger_coverage.rst",
            category="Mergers",
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
