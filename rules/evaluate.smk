# Evaluation figures and tables: one rule per figure. Inputs come from rules/models.smk (the training history and the
# predictions of each fold model, the chosen ensemble and its out-of-fold predictions) and rules/data.smk (labelled
# shard set, split, mean baseline); the network view shown is the labelled shard set's own geometry.


rule evaluate_validation_curves:
    input:
        histories=trained_fold_files("history"),
        baseline=rules.baseline.output.baseline,
    output:
        figure=report(
            "results/figures/evaluate/validation_curves.png",
            caption="../report/validation_curves.rst",
            category="Evaluation",
            labels={"title": "Held-out curves of the fold models"},
        ),
    log:
        log="results/logs/evaluate_validation_curves.log",
    benchmark:
        "results/benchmarks/evaluate_validation_curves.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/evaluate_validation_curves.py"


rule evaluate_true_vs_predicted:
    input:
        **TRAIN_DATA,
        predictions=rules.publish_best.output.oof_predictions,
        choice=rules.publish_best.output.best_metrics,
    output:
        figure=report(
            "results/figures/evaluate/true_vs_predicted.png",
            caption="../report/true_vs_predicted.rst",
            category="Evaluation",
            labels={"title": "True vs predicted"},
        ),
    log:
        log="results/logs/evaluate_true_vs_predicted.log",
    benchmark:
        "results/benchmarks/evaluate_true_vs_predicted.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/evaluate_true_vs_predicted.py"


rule evaluate_extremes:
    input:
        **TRAIN_DATA,
        predictions=rules.publish_best.output.oof_predictions,
        choice=rules.publish_best.output.best_metrics,
    output:
        figure=report(
            "results/figures/evaluate/extremes.png",
            caption="../report/extremes.rst",
            category="Evaluation",
            labels={"title": "Most extreme galaxies"},
        ),
    log:
        log="results/logs/evaluate_extremes.log",
    benchmark:
        "results/benchmarks/evaluate_extremes.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        evaluate=config_slice("evaluate"),
    script:
        "../scripts/evaluate_extremes.py"


rule evaluate_test:
    input:
        **TRAIN_DATA,
        predictions=trained_fold_files("predictions"),
        choice=rules.publish_best.output.best_metrics,
    output:
        scores=report(
            "results/tables/test_rmse.csv",
            caption="../report/test_rmse.rst",
            category="Evaluation",
            labels={"title": "Final scores on the held-out test subset"},
        ),
        per_label=report(
            "results/tables/per_label_rmse.csv",
            caption="../report/per_label_rmse.rst",
            category="Evaluation",
            labels={"title": "RMSE per label (test subset)"},
        ),
        tta_effect=report(
            "results/tables/tta_effect.json",
            caption="../report/tta_effect.rst",
            category="Evaluation",
            labels={"title": "Test-time augmentation"},
        ),
        figure=report(
            "results/figures/evaluate/spread_vs_error.png",
            caption="../report/spread_vs_error.rst",
            category="Evaluation",
            labels={"title": "Predicted spread against error"},
        ),
    log:
        log="results/logs/evaluate_test.log",
    benchmark:
        "results/benchmarks/evaluate_test.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        merger_definition=config_slice("merger_definition"),
        predict=config_slice("predict"),
    script:
        "../scripts/evaluate_test.py"
