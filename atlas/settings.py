"""Settings of the served atlas, declared once: name, default and meaning, read from the environment at start-up.

``atlas serve --help`` and the README list them (a test holds the README to this table). A variable that starts
with ``ATLAS_`` but is not a setting stops the server with a did-you-mean message, so a typo never silently falls
back to a default.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from atlas.checks import did_you_mean
from atlas.errors import SettingsError

PREFIX = "ATLAS_"
PDOK_TILES = "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/grijs/EPSG:3857/{z}/{x}/{y}.png"
"""PDOK's BRT-Achtergrondkaart (grijs) as XYZ tiles in Web Mercator: the default base map."""


def _tiles(text: str) -> str | None:
    """1: PDOK's grey base map; 0: none; or a tile URL template such as an intranet mirror's."""
    value = text.strip()
    if value.lower() in ("1", "true", "yes", "ja", "on"):
        return PDOK_TILES
    if value.lower() in ("0", "false", "no", "nee", "off", ""):
        return None
    if not value.startswith(("https://", "http://")) or not all(p in value for p in ("{z}", "{x}", "{y}")):
        raise ValueError(
            "must be 1, 0 or a tile URL with {z}, {x} and {y}, such as https://tiles.example.nl/{z}/{x}/{y}.png"
        )
    return value


def _positive(text: str) -> int:
    value = int(text.strip())
    if value < 1:
        raise ValueError("must be a whole number of at least 1")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueError("must be a number of seconds (0 or more)") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError("must be a number of seconds (0 or more)")
    return value


def _directory(text: str) -> Path:
    if not text.strip():
        raise ValueError("must name a directory")
    return Path(text.strip())


@dataclass(frozen=True)
class Setting:
    """One setting: its environment variable, default (as it would be written there) and meaning."""

    name: str
    field: str
    default: str | None
    help: str
    parse: Callable[[str], Any]


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "ATLAS_BUILD",
        "build",
        None,
        "the artifact directory to serve (what 'atlas build --out' wrote); 'atlas serve --build' overrides it",
        _directory,
    ),
    Setting(
        "ATLAS_TILES",
        "tiles",
        "1",
        "1: PDOK's grey base map under the maps; 0: none; or a tile URL with {z}, {x} and {y} (an intranet mirror). "
        "The map asks for one tile first and says so on the map when it does not load",
        _tiles,
    ),
    Setting(
        "ATLAS_TILES_ATTRIBUTION",
        "tiles_attribution",
        None,
        "the attribution shown with a tile URL of your own (PDOK's tiles come with their own)",
        str,
    ),
    Setting(
        "ATLAS_CACHE_SIZE",
        "cache_size",
        "128",
        "how many rendered pages, downloads and API answers the server keeps in memory",
        _positive,
    ),
    Setting(
        "ATLAS_RELOAD_SECONDS",
        "reload_seconds",
        "2",
        "at most this often a request checks whether ATLAS_BUILD now points to another version, which is then "
        "served as a whole (0: on every request)",
        _seconds,
    ),
)
"""Every setting of the served atlas."""


@dataclass(frozen=True)
class Settings:
    """The settings in force, typed."""

    build: Path | None
    tiles: str | None
    """The tile URL template of the base map, or None for none."""
    tiles_attribution: str | None
    cache_size: int
    reload_seconds: float


def read_settings(environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None) -> Settings:
    """The settings from ``environ`` (default: the process environment), then ``overrides`` (typed or text).

    Raises :class:`~atlas.errors.SettingsError` for an unknown ``ATLAS_*`` name or a value that does not parse.
    """
    env = os.environ if environ is None else environ
    known = {s.name: s for s in SETTINGS}
    given: dict[str, Any] = {}
    for source, pairs in (("environment variable", env), ("setting", overrides or {})):
        for name, raw in pairs.items():
            if not name.startswith(PREFIX):
                continue
            setting = known.get(name)
            if setting is None:
                hint = did_you_mean(name, known) or f" (settings: {', '.join(known)})"
                raise SettingsError(f"unknown {source} {name}{hint}")
            given[name] = (source, raw)
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        source, raw = given.get(setting.name, ("default", setting.default))
        if isinstance(raw, bool):  # a typed override of a flag-like setting
            raw = "1" if raw else "0"
        if raw is None:
            values[setting.field] = None
        elif isinstance(raw, str):
            try:
                values[setting.field] = setting.parse(raw)
            except ValueError as exc:
                raise SettingsError(f"{source} {setting.name}={raw!r}: {exc}") from None
        else:
            values[setting.field] = raw
    return Settings(**values)


def describe() -> str:
    """The settings as lines of text, for ``--help``."""
    lines = []
    for s in SETTINGS:
        default = f" (default {s.default})" if s.default is not None else ""
        lines.append(f"{s.name}{default}: {s.help}")
    return "\n".join(lines)
