"""Galaxy Zoo morphology and merger-rate pipeline: the Snakemake workflow's package, and a Python interface.

    import gzmorph
    model = gzmorph.load_model("results/models/best/model.pt")
    table = gzmorph.predict(model, "cutouts/", tta=8)  # pandas.DataFrame indexed by the image's file stem
    gzmorph.write_catalogue(table, "cutouts.fits")

``gzmorph.labels`` names the columns. ``import gzmorph`` stays light: PyTorch is imported on the first use of
``load_model``, ``predict`` or ``write_catalogue`` (module ``gzmorph.api``).
"""

import importlib

__version__ = "0.2.0"
__all__ = ["load_model", "predict", "add_merger_probability", "write_catalogue", "labels", "__version__"]
_API = ("load_model", "predict", "add_merger_probability", "write_catalogue")


def __getattr__(name: str):
    if name in _API:
        return getattr(importlib.import_module("gzmorph.api"), name)
    if name == "labels":
        return importlib.import_module("gzmorph.labels")
    raise AttributeError(f"module 'gzmorph' has no attribute {name!r}")
