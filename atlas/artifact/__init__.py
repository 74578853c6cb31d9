"""The build artifact: the one thing the pipeline writes and render, the web and notebooks read.

- :mod:`~atlas.artifact.layout`: its files, their columns and its version;
- :mod:`~atlas.artifact.areas`: :class:`Areas`, the areas of one gemeente level by level;
- :mod:`~atlas.artifact.status`: :class:`Status` and the one rule that says whether a value may be shown;
- :mod:`~atlas.artifact.writer`: written atomically by the pipeline;
- :mod:`~atlas.artifact.reader`: :class:`Artifact`, opened for reading.
"""

from __future__ import annotations

from atlas.artifact.areas import Areas
from atlas.artifact.reader import Artifact
from atlas.artifact.status import Status

__all__ = ["Areas", "Artifact", "Status"]
