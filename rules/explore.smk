# Exploration figures and tables, and the figure comparing the train and validation subsets: one rule per output,
# so each can be rebuilt by naming its file. All read the labelled shard set (its geometry from its summary.json);
# the downsizing figure and the memory estimate also read the first image(s) of the raw archive.


rule explore_random_images:
    input:
        train_index=TRAIN_INDEX,
    output:
        figure=report(
            "results/figures/explore/random_images.png",
            caption="../report/random_images.rst",
            category="Exploration",
            labels={"title": "Random labelled galaxies"},
        ),
    log:
        log="results/logs/explore_random_images.log",
    benchmark:
        "results/benchmarks/explore_random_images.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        explore=config_slice("explore"),
    script:
        "../scripts/explore_random_images.py"


rule explore_label_histograms:
    input:
        train_index=TRAIN_INDEX,
    output:
        figure=report(
            "results/figures/explore/label_histograms.png",
            caption="../report/label_histograms.rst",
            category="Exploration",
            labels={"title": "Label histograms"},
        ),
    log:
        log="results/logs/explore_label_histograms.log",
    benchmark:
        "results/benchmarks/explore_label_histograms.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        explore=config_slice("explore"),
    script:
        "../scripts/explore_label_histograms.py"


rule explore_prototypes:
    input:
        train_index=TRAIN_INDEX,
    output:
        figure=report(
            "results/figures/explore/prototypes.png",
            caption="../report/prototypes.rst",
            category="Exploration",
            labels={"title": "The prototype of each label"},
        ),
    log:
        log="results/logs/explore_prototypes.log",
    benchmark:
        "results/benchmarks/explore_prototypes.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/explore_prototypes.py"


rule explore_correlations:
    input:
        train_index=TRAIN_INDEX,
    output:
        figure=report(
            "results/figures/explore/correlation_matrix.png",
            caption="../report/correlation_matrix.rst",
            category="Exploration",
            labels={"title": "Correlation matrix"},
        ),
        pairs=report(
            "results/tables/within_question_correlations.csv",
            caption="../report/within_question_correlations.rst",
            category="Exploration",
            labels={"title": "Within-question correlations per pair"},
        ),
        summary=report(
            "results/tables/within_question_correlation_summary.csv",
            caption="../report/within_question_correlation_summary.rst",
            category="Exploration",
            labels={"title": "Within-question correlations per question"},
        ),
    log:
        log="results/logs/explore_correlations.log",
    benchmark:
        "results/benchmarks/explore_correlations.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/explore_correlations.py"


rule explore_downsizing:
    input:
        train_images=config["train_images"],
        train_index=TRAIN_INDEX,
    output:
        figure=report(
            "results/figures/explore/downsizing.png",
            caption="../report/downsizing.rst",
            category="Exploration",
            labels={"title": "Before and after downsizing"},
        ),
    log:
        log="results/logs/explore_downsizing.log",
    benchmark:
        "results/benchmarks/explore_downsizing.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        explore=config_slice("explore"),
    script:
        "../scripts/explore_downsizing.py"


rule explore_memory:
    input:
        train_images=config["train_images"],
        train_index=TRAIN_INDEX,
    output:
        estimate=report(
            "results/tables/memory_estimate.json",
            caption="../report/memory_estimate.rst",
            category="Exploration",
            labels={"title": "Memory estimate"},
        ),
    log:
        log="results/logs/explore_memory.log",
    benchmark:
        "results/benchmarks/explore_memory.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/explore_memory.py"


rule split_figure:
    input:
        **TRAIN_DATA,
    output:
        figure=report(
            "results/figures/split/label_histograms_split.png",
            caption="../report/label_histograms_split.rst",
            category="Data",
            labels={
                "title": "Label distributions: held-out fold 0 against the other folds"
            },
        ),
        ks_table=report(
            "results/tables/split_ks.csv",
            caption="../report/split_ks.rst",
            category="Data",
            labels={"title": "Fold 0 vs the other folds: KS test per label"},
        ),
    log:
        log="results/logs/split_figure.log",
    benchmark:
        "results/benchmarks/split_figure.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        explore=config_slice("explore"),
    script:
        "../scripts/split_figure.py"
