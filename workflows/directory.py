"""The employee directory: who a requester is, for rules and watchers.

An optional CSV file with a header row and the columns ``email``, ``name``,
``department``, ``manager`` (the manager's email), ``location`` and ``vip``
(``yes``/``no``, ``true``/``false``, ``1``/``0``; empty is no). Column names
are case-insensitive and their order is free; ``email`` is required, the
others may be missing. Exported from an HR system as it is, so: UTF-8 with
or without a byte order mark, ``,`` or ``;`` as separator, surrounding
spaces ignored, quoted cells may hold line breaks, emails (``email`` and
``manager``) written bare or as ``Name <address>`` and compared
case-insensitively.

A file that cannot be used is refused with file:line and what is wrong
(:class:`DirectoryError`); a duplicate email is an error too, since the
directory could then not say which person wrote.
"""
from __future__ import annotations

import csv
import email.utils
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ("email", "name", "department", "manager", "location", "vip")
_TRUE = {"yes", "y", "true", "1", "x"}
_FALSE = {"no", "n", "false", "0", ""}


class DirectoryError(ValueError):
    """The directory file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Person:
    """One employee as the directory lists them."""

    email: str
    name: str = ""
    department: str = ""
    manager: str = ""
    location: str = ""
    vip: bool = False


class Directory(Mapping[str, Person]):
    """Employees by email (case-insensitive)."""

    def __init__(self, people: Mapping[str, Person] | None = None, source: str = "") -> None:
        self._people = {email.lower(): person for email, person in (people or {}).items()}
        self.source = source

    def __getitem__(self, email: str) -> Person:
        return self._people[email.lower()]

    def get(self, email: str, default: Person | None = None) -> Person | None:  # type: ignore[override]
        return self._people.get(email.lower(), default) if email else default

    def __iter__(self) -> Iterator[str]:
        return iter(self._people)

    def __len__(self) -> int:
        return len(self._people)

    def manager_of(self, email: str) -> str | None:
        """The email of the person's manager, if the directory knows one."""
        person = self.get(email)
        return person.manager if person is not None and person.manager else None

    @classmethod
    def load(cls, path: str | Path) -> Directory:
        """Read a directory CSV (see the module docs); raises DirectoryError."""
        source = str(path)
        try:
            text = Path(path).read_bytes().decode("utf-8-sig")
        except OSError as error:
            raise DirectoryError(f"{source}: cannot read the employee directory: {error.strerror}") from None
        except UnicodeDecodeError:
            raise DirectoryError(f"{source}: the employee directory is not UTF-8") from None
        return cls(_read(text, source), source)


def _address(cell: str) -> str:
    """The email address of a cell, written bare or as ``Name <address>``, lower case."""
    if "<" in cell and cell.rstrip().endswith(">"):
        name, address = email.utils.parseaddr(cell)
        if "@" in address:
            return address.lower()
    return cell.lower()


def _read(text: str, source: str) -> dict[str, Person]:
    header_line = text.splitlines()[0] if text.strip() else ""
    if not header_line:
        raise DirectoryError(f"{source}:1: the employee directory is empty (it needs a header row)")
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    # Read as a file, not line by line: a quoted cell may hold a line break (line_num counts them).
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [column.strip().lower() for column in next(reader)]
    if "email" not in header:
        raise DirectoryError(f"{source}:1: the header row has no 'email' column (columns: {', '.join(COLUMNS)})")
    unknown = [column for column in header if column and column not in COLUMNS]
    if unknown:
        raise DirectoryError(f"{source}:1: unknown column {unknown[0]!r} (columns: {', '.join(COLUMNS)})")
    people: dict[str, Person] = {}
    first_line: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        values = {column: cell.strip() for column, cell in zip(header, row) if column}
        email = _address(values.get("email", ""))
        if "@" not in email:
            raise DirectoryError(f"{source}:{line}: {email!r} is not an email address")
        if email in people:
            raise DirectoryError(f"{source}:{line}: {email} is listed twice (first at line {first_line[email]})")
        vip = values.get("vip", "").lower()
        if vip not in _TRUE | _FALSE:
            raise DirectoryError(f"{source}:{line}: vip must be yes or no, not {values['vip']!r}")
        people[email] = Person(email=email, name=values.get("name", ""), department=values.get("department", ""),
                               manager=_address(values.get("manager", "")), location=values.get("location", ""),
                               vip=vip in _TRUE)
        first_line[email] = line
    return people
