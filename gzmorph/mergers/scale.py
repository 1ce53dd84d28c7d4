"""What a Galaxy Zoo 2 image covers in kiloparsecs, and so which companions a volunteer could see.

GZ2 images are 424 x 424 px at 0.02 petroR90_r arcsec per pixel (Willett et al. 2013), so the field is
8.48 petroR90_r on a side whatever the galaxy's distance: a merger partner farther out than about half of that is
outside the image. The table converts the field to kpc with the angular-diameter distance of a flat LambdaCDM
cosmology (astropy.cosmology.FlatLambdaCDM with the configured H0 and Omega_m), at the GZ2 minimum petroR90_r and a
typical one, for redshifts across the GZ2 range; and, given the network's crop and resampling, the kpc per pixel
of what the network sees.
"""

from functools import cache

import numpy as np
from astropy import units as u
from astropy.cosmology import FlatLambdaCDM

from gzmorph.mergers.settings import Scale


@cache
def _cosmology(h0: float, om0: float) -> FlatLambdaCDM:
    return FlatLambdaCDM(H0=h0, Om0=om0)


def kpc_per_arcsec(z: float, h0: float, om0: float) -> float:
    """Proper transverse kpc per arcsec at redshift ``z``."""
    return float((_cosmology(h0, om0).angular_diameter_distance(z) * (1 * u.arcsec).to(u.rad).value).to(u.kpc).value)


def field_arcsec(petro_r90_arcsec: float, s: Scale) -> float:
    """Side of a GZ2 image in arcsec: image_px x arcsec_per_px_per_r90 x petroR90_r."""
    return s.image_px * s.arcsec_per_px_per_r90 * petro_r90_arcsec


def scale_table(s: Scale, network_view: tuple[int, int] | None = None) -> list[dict]:
    """One row per redshift: kpc/arcsec, field in kpc at the minimum and typical petroR90_r, network kpc/pixel.

    ``network_view`` = (crop_px, size_px): the network sees the central crop_px original pixels resampled to
    size_px, so one network pixel spans crop_px / size_px original pixels.
    """
    rows = []
    for z in s.redshifts:
        scale = kpc_per_arcsec(z, s.h0, s.om0)
        row = {
            "z": z,
            "kpc_per_arcsec": scale,
            "field_kpc_minimum_r90": scale * field_arcsec(s.petro_r90_minimum_arcsec, s),
            "field_kpc_typical_r90": scale * field_arcsec(s.petro_r90_typical_arcsec, s),
        }
        if network_view is not None:
            crop_px, size_px = network_view
            typical_px_kpc = row["field_kpc_typical_r90"] / s.image_px
            row["network_view_kpc_typical_r90"] = typical_px_kpc * crop_px
            row["network_pixel_kpc_typical_r90"] = typical_px_kpc * crop_px / size_px
        rows.append({k: float(np.round(v, 6)) for k, v in row.items()})
    return rows
