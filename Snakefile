# gzmorph: Galaxy Zoo morphology CNNs and the galaxy merger fraction.
# Run: snakemake --cores all   (see README.md; outputs land in results/)
from snakemake.utils import min_version, validate


min_version("9.0")


configfile: "config.yaml"


validate(config, "schemas/config.schema.yaml")


report: "report/workflow.rst"


include: "rules/common.smk"


rule all:
    input:
        all_targets(),
    default_target: True


include: "rules/data.smk"
