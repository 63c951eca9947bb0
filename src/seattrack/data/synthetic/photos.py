"""Natural photographs shipped by Debian wallpaper packages: more content for the synthetic scenes.

Each entry names its package, its file and its licence (the README lists them). The files are never copied into
this repository: `make photos` (or `apt-get install` of `PHOTO_PACKAGES`) installs them. Every entry was checked by
eye to be a photograph, not a drawing (`tests/data/test_photos.py` also checks a photo statistic), and none comes
from a source reserved for held-out evaluation. The split is by photograph: about a quarter of each package's
photos are `val` only, so validation scenes show photographs no training pair was ever cut from.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from ...errors import SeatError


class Photo(NamedTuple):
    name: str
    package: str
    path: str
    licence: str
    split: str  # "train" or "val"


_PLASMA = "/usr/share/wallpapers/{}/contents/images/{}"
_LOMIRI = "/usr/share/backgrounds/{}"
_MATE = "/usr/share/backgrounds/mate/nature/{}.jpg"

PHOTOS: tuple[Photo, ...] = (
    *(Photo(f"plasma-{name}", "plasma-workspace-wallpapers", _PLASMA.format(name, size), "GPL-2+", split)
      for name, size, split in (
          ("BytheWater", "1920x1080.jpg", "train"), ("ColdRipple", "1920x1080.jpg", "train"),
          ("ColorfulCups", "2560x1600.jpg", "val"), ("DarkestHour", "1920x1080.jpg", "train"),
          ("EveningGlow", "1920x1080.jpg", "val"), ("FallenLeaf", "1920x1080.jpg", "train"),
          ("Grey", "1920x1080.jpg", "train"), ("Kite", "1920x1080.jpg", "train"),
          ("OneStandsOut", "1920x1080.jpg", "train"), ("Path", "1920x1080.jpg", "val"),
          ("summer_1am", "1920x1080.jpg", "train"))),
    *(Photo(f"lomiri-{name.split('_by_')[0]}", package, _LOMIRI.format(name), licence, split)
      for name, package, licence, split in (
          ("Bridge_by_Sander_Klootwijk.jpg", "lomiri-wallpapers-16.04", "CC-BY-SA-4.0", "train"),
          ("Dragonfly_by_Bolly.jpg", "lomiri-wallpapers-16.04", "CC-BY-SA-4.0", "train"),
          ("Picture_0B_by_freespace.jpg", "lomiri-wallpapers-16.04", "CC-BY-4.0", "val"),
          ("Picture_1A_by_freespace.jpg", "lomiri-wallpapers-16.04", "CC-BY-4.0", "train"),
          ("Wine_by_Jakkub_Mede.jpg", "lomiri-wallpapers-16.04", "CC-BY-SA-4.0", "train"),
          ("aitzgorri_by_Aitzol_Berasategi.jpg", "lomiri-wallpapers-16.04", "CC-BY-4.0", "train"),
          ("free_by_Peter_Nerlich.jpg", "lomiri-wallpapers-16.04", "CC-BY-SA-4.0", "train"),
          ("friends_by_Aitzol_Berasategi.jpg", "lomiri-wallpapers-16.04", "CC-BY-4.0", "val"),
          ("greentock_by_Peter_Nerlich.jpg", "lomiri-wallpapers-16.04", "CC-BY-SA-4.0", "train"),
          ("life_by_Aitzol_Berasategi.jpg", "lomiri-wallpapers-16.04", "CC-BY-4.0", "val"),
          ("picosdeeuropa_by_Aitzol_Berasategi.jpg", "lomiri-wallpapers-16.04", "CC-BY-4.0", "train"),
          ("seeding_by_Clements_Engelhardt.jpg", "lomiri-wallpapers-16.04", "CC0-1.0", "train"),
          ("sunset_by_Aitzol_Berasategi.jpg", "lomiri-wallpapers-16.04", "CC-BY-4.0", "train"),
          ("Kleiber_by_Lukas_Baubkus.jpg", "lomiri-wallpapers-20.04", "CC-BY-SA-4.0", "train"),
          ("Infinite-Sea_by_Aury88.jpg", "lomiri-wallpapers-20.04", "CC-BY-SA-4.0", "train"))),
    *(Photo(f"mate-{name}", "mate-backgrounds", _MATE.format(name), "GPL-2+", split)
      for name, split in (
          ("Aqua", "train"), ("Blinds", "train"), ("Dune", "train"), ("FreshFlower", "train"),
          ("Garden", "val"), ("GreenMeadow", "train"), ("LadyBird", "val"), ("RainDrops", "train"),
          ("Storm", "train"), ("TwoWings", "train"), ("Wood", "val"), ("YellowFlower", "train"))),
)
"""Every Debian photograph the scenes use, with its split."""

PHOTO_PACKAGES: tuple[str, ...] = tuple(sorted({photo.package for photo in PHOTOS}))


def debian_photos(split: str) -> list[Photo]:
    """The Debian photographs of `split`; a one-line error naming the install command when any is missing."""
    chosen = [photo for photo in PHOTOS if photo.split == split]
    missing = sorted({photo.package for photo in chosen if not Path(photo.path).is_file()})
    if missing:
        raise SeatError(f"synthetic photo bank {split!r}: photographs of the Debian packages {missing} are not "
                        f"installed; run `make photos` (apt-get install {' '.join(PHOTO_PACKAGES)})")
    return chosen
