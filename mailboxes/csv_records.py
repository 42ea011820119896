"""The records of a CSV file, one at a time, each with the physical line it starts on.

``csv.reader`` alone cannot tell where a record starts (``line_num`` is where it ends), raises
on a field beyond ``csv.field_size_limit()`` and, after that error, reads the rest of a quoted
multi-line field as new records. Here the record boundaries are found first, with csv's own
rules for its default dialect (a quote opens a field only as its first character, ``""`` inside
quotes is a quote, text after the closing quote is kept), and only then does ``csv.reader``
split a record into fields. A record longer than ``MAX_RECORD_CHARS`` is reported and skipped
to its real end without being held in memory."""

import csv
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# Every column of the import added up is under 3,000 characters; the limit stays well below
# csv.field_size_limit() (131,072), so csv.reader never refuses a record handed to it.
MAX_RECORD_CHARS = 10_000


@dataclass(frozen=True)
class Record:
    line: int
    fields: list[str]
    # Why the record could not be read; its fields are then empty.
    problem: str = ""

    @property
    def blank(self):
        """A blank line, or a row of empty cells as spreadsheets leave after the data."""
        return not self.problem and not any(field.strip() for field in self.fields)


def csv_records(lines: Iterable[str], *, delimiter: str) -> Iterator[Record]:
    """``lines``: the file's physical lines with their line ends (a file opened with
    ``newline=""``)."""
    pending, size, quoted, start = [], 0, False, 0
    for number, line in enumerate(lines, start=1):
        if not quoted:
            pending, size, start = [], 0, number
        quoted = _leaves_quotes_open(line, quoted, delimiter)
        size += len(line)
        if size <= MAX_RECORD_CHARS:
            pending.append(line)
        else:
            pending = None
        if not quoted:
            yield _record(start, pending, delimiter)
    if quoted:
        yield Record(start, [], f"virgolette aperte e mai chiuse fino alla fine del file (riga {start})")


def _record(start, lines, delimiter):
    if lines is None:
        return Record(start, [], f"riga più lunga di {MAX_RECORD_CHARS} caratteri")
    try:
        # One row, or none for a blank line: the boundaries are csv's own (tests/mailboxes/test_csv_records.py).
        fields = next(csv.reader(lines, delimiter=delimiter), [])
    except csv.Error as error:  # a line break inside a line, from a caller that split lines itself
        return Record(start, [], f"riga non leggibile come CSV: {error}")
    return Record(start, fields)


def _leaves_quotes_open(line, quoted, delimiter):
    """Whether ``line`` ends inside a quoted field, given whether it began inside one."""
    position = 0
    if quoted:
        closing = _QUOTED_REST.match(line)
        if closing is None:
            return True
        # Text after the closing quote belongs to the same field, up to the next delimiter.
        position = line.find(delimiter, closing.end())
        if position == -1:
            return False
        position += 1
    elif '"' not in line:
        return False
    return _fields(delimiter).match(line, position).group("open") is not None


# The rest of a quoted field and its closing quote ("" inside is a quote). Possessive quantifiers
# and atomic groups: linear time whatever the quotes, no backtracking.
_QUOTED_REST = re.compile(r'(?:[^"]|"")*+"')


@functools.cache
def _fields(delimiter):
    """Whole fields with their delimiter, then, if the line ends inside quotes, the open field."""
    d = re.escape(delimiter)
    field = rf'(?>"(?:[^"]|"")*+"[^{d}]*+|(?!")[^{d}]*+)'
    return re.compile(rf'(?:{field}{d})*+(?P<open>"(?:[^"]|"")*+\Z)?')
