# The deliverable: one self-contained HTML page of the run (results/report/index.html) with the headline numbers
# first and every figure and table inline. Which files it shows is the data SECTIONS of gzmorph/report/sections.py.
from gzmorph.report.sections import HEADLINE_FILES, caption_files, section_files


rule html_report:
    input:
        **HEADLINE_FILES,
        files=section_files(),
        captions=[
            os.path.join(workflow.basedir, "report", name) for name in caption_files()
        ],
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
    script:
        "../scripts/html_report.py"
