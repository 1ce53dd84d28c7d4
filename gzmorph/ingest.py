"""Ingest: check an image set (and its labels) before any pixel is decoded, and write the member table."""

import logging

import pandas as pd

from gzmorph.archives import DataError, list_images, read_labels
from gzmorph.labels import ID_COLUMN

log = logging.getLogger(__name__)


def ingest(images: str, labels_csv: str | None) -> pd.DataFrame:
    """GalaxyID, member [and the 37 labels]: one row per image to preprocess, in archive order.

    With labels, every labelled GalaxyID must have exactly one image; images without a label row are left out
    (and counted in the log), since they cannot be trained on.
    """
    members = list_images(images)
    if labels_csv is None:
        log.info("%s: %d images", images, len(members))
        return members
    labels = read_labels(labels_csv)
    missing = labels.loc[~labels[ID_COLUMN].isin(members[ID_COLUMN]), ID_COLUMN]
    if len(missing):
        raise DataError(
            f"{labels_csv}: {len(missing)} labelled GalaxyIDs have no image in {images}, "
            f"e.g. {missing.head(5).tolist()}"
        )
    table = members.merge(labels, on=ID_COLUMN, how="inner", validate="one_to_one")
    unlabelled = len(members) - len(table)
    if unlabelled:
        log.warning("%s: %d images have no row in %s and are left out", images, unlabelled, labels_csv)
    log.info("%s + %s: %d labelled images", images, labels_csv, len(table))
    return table
