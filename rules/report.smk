# The deliverable: one self-contained HTML page of the run with the headline numbers first and every figure and
# table inline. Which files it shows is derived from the rules: every output marked report(...) above, in its
# category, titled by its "title" label, with its caption file if it has one (gzmorph/report/sections.py).
from gzmorph.report.sections import (
    by_section,
    caption_files,
    section_files,
    to_params,
)

# The landing section's numbers (keys: gzmorph.report.sections.HEADLINE_KEYS); also the end-of-run summary's.
HEADLINE = {
    "baseline": rules.baseline.output.baseline,
    "best": rules.publish_best.output.best_metrics,
    "tta": rules.evaluate_test.output.tta_effect,
    "test_rmse": rules.evaluate_test.output.scores,
    "mergers": rules.merger_report.output.numbers,
}
REPORT_SECTIONS = by_section(workflow_report_outputs())


rule html_report:
    input:
        **HEADLINE,
        files=section_files(REPORT_SECTIONS),
        captions=caption_files(REPORT_SECTIONS),
    output:
        html="results/report/index.html",
    log:
        log="results/logs/html_report.log",
    benchmark:
        "results/benchmarks/html_report.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        sections=to_params(REPORT_SECTIONS),
    script:
        "../scripts/html_report.py"
