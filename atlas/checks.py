"""Reading hand-written YAML configuration with errors that name the file, the entry and the field.

Used by the registry (``layers.yaml``) and by the sources file and its sections (``groen``, ``privacy``,
``stapeling``): one place decides how an unknown key, a missing value or a wrong type is reported.

Tunable settings of a section are declared once, as dataclass fields made with :func:`param`: the default, the
range and the help text on one line. :func:`parameters` lists them (for ``atlas validate``, the README and the
pages that state them) and :func:`read_parameters` reads a section into the dataclass.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import errno
import typing
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml

from atlas.errors import InputError


def did_you_mean(value: str, options: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` when one option is close, else ``""``."""
    hint = difflib.get_close_matches(value, list(options), n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


UTF8_HINT = "save it as UTF-8 (in Excel: Save As > 'CSV UTF-8'; in LibreOffice: character set 'Unicode (UTF-8)')"
"""What to do about a text file in another encoding: said by every reader of text files."""


def decode_utf8(raw: bytes, file: Path, error: type[InputError], *, separator: str | None = None) -> str:
    """The text of a UTF-8 file (a byte-order mark is dropped); else an error naming the line (``row``) and, for
    a table whose ``separator`` is known, the column of the first byte that is not UTF-8, with :data:`UTF8_HINT`.
    The message quotes nothing of the file but that column's name.
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        start = raw.rfind(b"\n", 0, exc.start) + 1
        field = None
        if separator is not None and line > 1:  # the column: count the cells before the byte (quotes respected)
            header = next(
                csv.reader([raw.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").strip()], delimiter=separator),
                [],
            )
            before = next(
                csv.reader([raw[start : exc.start].decode("utf-8", errors="replace")], delimiter=separator), []
            )
            position = max(len(before) - 1, 0)
            field = header[position].strip() if position < len(header) else None
        raise error(
            f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at position {exc.start - start + 1} of the line); "
            + UTF8_HINT,
            file=file,
            row=line,
            field=field,
        ) from None


def load_yaml(path: Path, error: type[InputError]) -> tuple[Any, bytes]:
    """Parse a YAML file; returns the data and the raw bytes (for hashing)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error("file not found", file=path) from None
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror}", file=path) from None
    try:
        return yaml.safe_load(raw), raw
    except yaml.reader.ReaderError:  # bytes that are not text in the file's encoding (UTF-8, or UTF-16 with a BOM)
        decode_utf8(raw, path, error)  # names the line when the file is not UTF-8
        raise error("not valid YAML: it holds a character YAML does not allow", file=path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise error(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=path, row=row) from None


class Entry:
    """One mapping of a configuration file, read field by field.

    ``prefix`` names nested mappings in messages (``classification.k``). Unknown keys are errors with a
    did-you-mean hint, so a typo never silently falls back to a default.
    """

    def __init__(
        self,
        file: Path,
        entry: str | None,
        data: Any,
        allowed: Iterable[str],
        *,
        error: type[InputError] = InputError,
        prefix: str = "",
        roots: Sequence[Path] = (),
    ) -> None:
        self.file = file
        self.entry = entry
        self.error = error
        self.prefix = prefix
        self.roots = tuple(roots)
        """Folders besides the file's own whose files :meth:`path` may name (``allowed_roots``)."""
        allowed = tuple(allowed)
        if not isinstance(data, dict):
            raise error(f"expected a mapping, got {data!r}", file=file, entry=entry, field=prefix.rstrip(".") or None)
        self.data: dict[str, Any] = data
        for key in data:
            if key not in allowed:
                hint = did_you_mean(str(key), allowed) or f" (allowed: {', '.join(allowed)})"
                raise self.fail(str(key), f"unknown key{hint}")

    def fail(self, name: str, message: str) -> InputError:
        return self.error(message, file=self.file, entry=self.entry, field=f"{self.prefix}{name}")

    def sub(self, name: str, allowed: Iterable[str]) -> Entry | None:
        """A nested mapping, or None when absent."""
        value = self.data.get(name)
        if value is None:
            return None
        return Entry(
            self.file, self.entry, value, allowed, error=self.error, prefix=f"{self.prefix}{name}.", roots=self.roots
        )

    def text(self, name: str, *, required: bool = False) -> str | None:
        """A non-empty text (numbers are accepted as text, e.g. codes); None when absent."""
        value = self.data.get(name)
        if value is None:
            if required:
                raise self.fail(name, "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
            raise self.fail(name, f"must be a non-empty text, got {value!r}")
        return str(value).strip()

    def string(self, name: str, default: str = "", *, required: bool = False) -> str:
        """Like :meth:`text`, but ``default`` (empty) instead of None when absent."""
        value = self.text(name, required=required)
        return default if value is None else value

    def choice(self, name: str, options: Iterable[str], default: str | None = None) -> str:
        options = list(options)
        value = self.data.get(name, default)
        if value is None:
            raise self.fail(name, f"is required; one of {', '.join(options)}")
        if value not in options:
            raise self.fail(name, f"{value!r} is not one of {', '.join(options)}{did_you_mean(str(value), options)}")
        return str(value)

    def integer(self, name: str, default: int | None, *, low: int, high: int | None) -> int | None:
        value = self.data.get(name, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not _within(value, low, high):
            raise self.fail(name, f"must be {_range(int, low, high)}, got {value!r}")
        return value

    def number(self, name: str, default: float | None, *, low: float, high: float | None) -> float | None:
        value = self.data.get(name, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not _within(value, low, high):
            raise self.fail(name, f"must be {_range(float, low, high)}, got {value!r}")
        return float(value)

    def year(self, name: str, *, required: bool = False) -> int | None:
        """A calendar year such as 2024; None when absent and not required."""
        value = self.data.get(name)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not YEARS[0] <= value <= YEARS[1]:
            raise self.fail(name, f"must be a year such as 2024, got {value!r}")
        return value

    def flag(self, name: str, default: bool) -> bool:
        value = self.data.get(name, default)
        if not isinstance(value, bool):
            raise self.fail(name, f"must be true or false, got {value!r}")
        return value

    def path(self, name: str = "path") -> Path:
        """A path relative to the file, which must exist and lie inside the file's folder or one of ``roots``
        after symbolic links are followed (:func:`resolve_inside`)."""
        value = self.text(name, required=True)
        assert value is not None
        try:
            return resolve_inside(self.file.parent, value, self.roots)
        except ValueError as exc:
            raise self.fail(name, str(exc)) from None


def _resolve(path: Path) -> Path:
    """``path`` with every symbolic link followed; ValueError for a link loop or an unreadable folder."""
    try:
        return path.resolve()
    except RuntimeError:  # Python 3.11: "Symlink loop from ..."
        raise ValueError(f"{path} is a loop of symbolic links") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # Python 3.13 and later
            raise ValueError(f"{path} is a loop of symbolic links") from None
        raise ValueError(f"{path} cannot be resolved: {exc.strerror}") from None


def resolve_roots(base: Path, given: Iterable[str]) -> tuple[Path, ...]:
    """Folders named relative to ``base`` (or absolute), resolved; ValueError when one is not a folder."""
    roots = []
    for value in given:
        root = _resolve(base / value)
        if not root.is_dir():
            raise ValueError(f"{value!r} is not a folder ({root})")
        roots.append(root)
    return tuple(roots)


def resolve_inside(base: Path, value: str, roots: Sequence[Path] = ()) -> Path:
    """The existing file ``value`` names (relative to folder ``base``, or absolute), with symbolic links followed.

    It must lie inside ``base`` or one of ``roots`` (resolved folders): an input never escapes the folders the
    sources file allows, by ``../``, an absolute path or a link. Checked before the file is opened, so nothing
    of a file outside them is read or quoted. Raises ValueError with a one-line reason.
    """
    folders = (_resolve(base), *roots)
    resolved = _resolve(base / value)
    if not any(resolved.is_relative_to(folder) for folder in folders):
        allowed = ", ".join(str(folder) for folder in folders)
        raise ValueError(
            f"{value!r} is {resolved}, outside the folders the sources file may read ({allowed}); move it there or "
            "add its folder to 'allowed_roots:' in the sources file"
        )
    if not resolved.exists():
        raise ValueError(f"file not found: {resolved}")
    return resolved


YEARS = (1900, 2100)
"""The years a sources file may name."""

T = TypeVar("T")


def _within(value: float, low: float, high: float | None) -> bool:
    return low <= value and (high is None or value <= high)


def _range(kind: type, low: float | None, high: float | None) -> str:
    what = "a whole number" if kind is int else "a number"
    if low is not None and high is not None:
        return f"{what} from {low:g} to {high:g}" if kind is int else f"{what} between {low:g} and {high:g}"
    if low is not None:
        return f"{what} ≥ {low:g}"
    return what


def param(
    default: T,
    help: str,
    *,
    low: float | None = None,
    high: float | None = None,
    choices: Iterable[str] = (),
) -> T:
    """A dataclass field that is a tunable parameter: its default, range (or choices) and meaning, written once."""
    metadata = {"help": help, "low": low, "high": high, "choices": tuple(choices)}
    return dataclasses.field(default=default, metadata=metadata)


@dataclasses.dataclass(frozen=True)
class Parameter:
    """One parameter of a section, as :func:`param` declared it."""

    name: str
    kind: type
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()

    @property
    def allowed(self) -> str:
        """What a value may be, in words (``a whole number from 0 to 1000``, ``buurt, wijk, ...``)."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        return _range(self.kind, self.low, self.high)


def parameters(cls: type) -> tuple[Parameter, ...]:
    """The fields of dataclass ``cls`` made with :func:`param`, in order."""
    hints = typing.get_type_hints(cls)
    return tuple(
        Parameter(
            name=f.name,
            kind=hints[f.name],
            default=f.default,
            help=f.metadata["help"],
            low=f.metadata["low"],
            high=f.metadata["high"],
            choices=f.metadata["choices"],
        )
        for f in dataclasses.fields(cls)
        if "help" in f.metadata
    )


def read_parameters(entry: Entry | None, cls: type[T], **given: Any) -> T:
    """Build dataclass ``cls`` from its parameters in ``entry`` (defaults where absent) and the ``given`` fields."""
    values: dict[str, Any] = dict(given)
    for p in parameters(cls):
        if entry is None or p.name not in entry.data:
            values[p.name] = p.default
        elif p.choices:
            values[p.name] = entry.choice(p.name, p.choices, p.default)
        elif p.kind is bool:
            values[p.name] = entry.flag(p.name, p.default)
        elif p.kind is int:
            values[p.name] = entry.integer(p.name, p.default, low=int(p.low or 0), high=_whole(p.high))
        elif p.kind is float:
            values[p.name] = entry.number(p.name, p.default, low=float(p.low or 0), high=p.high)
        else:
            values[p.name] = entry.string(p.name, p.default)
    return cls(**values)


def describe_parameters(prefix: str, instance: Any) -> list[str]:
    """One line per parameter of a dataclass instance: the value in force, its meaning, default and range."""
    lines = []
    for p in parameters(type(instance)):
        value = getattr(instance, p.name)
        default = "default" if value == p.default else f"default {p.default!r}"
        lines.append(f"{prefix}{p.name} = {value!r} ({default}; {p.allowed}): {p.help}")
    return lines


def _whole(value: float | None) -> int | None:
    return None if value is None else int(value)
