"""One exception hierarchy for the whole atlas.

Every error carries a message that is safe to show to a user: it names the file, the entry or row and the field
that are wrong, never a stack trace. The web layer maps these classes to HTTP status codes in one place.
"""

from __future__ import annotations

from pathlib import Path


class AtlasError(Exception):
    """Base class: an error with a message that is safe to show to a user."""


class InputError(AtlasError):
    """Bad input data or configuration: names the file, the row or entry, and the field."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        entry: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.entry = entry
        self.row = row
        self.field = field
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where: list[str] = []
        if self.file:
            where.append(self.file)
        if self.entry is not None:
            where.append(f"entry {self.entry!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class RegistryError(InputError):
    """The layer registry (layers.yaml) is invalid."""


class SourcesError(InputError):
    """The sources file, or a file it names, is invalid."""


class AreaError(SourcesError):
    """Area boundaries are invalid: codes that do not nest, duplicates, missing parents."""


class BuildError(AtlasError):
    """The build could not complete (a consistency problem found after import)."""


class FindingsError(BuildError):
    """The findings of a build include errors: the message lists them all."""


class ArtifactError(AtlasError):
    """A build artifact is missing, incomplete or of another version."""


class SettingsError(AtlasError):
    """A setting of the served atlas (an ``ATLAS_*`` environment variable) is unknown or has a bad value."""


class NotFound(AtlasError):
    """A requested indicator, area, level, year or format does not exist (HTTP 404)."""


class BadRequest(AtlasError):
    """A request parameter is malformed (HTTP 400)."""


class Unavailable(AtlasError):
    """A response needs software that is not installed here, such as WeasyPrint for a PDF (HTTP 503)."""
