"""mailboxes.csv_records splits a file where csv.reader does, and also says where each record starts."""

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from mailboxes.csv_records import MAX_RECORD_CHARS, csv_records

# The characters that decide where a record ends, and a few that do not.
csv_text = st.text(alphabet='ab",;\r\n \x00é', max_size=80)


def records(text, delimiter=","):
    return list(csv_records(io.StringIO(text, newline=""), delimiter=delimiter))


def csv_rows_and_starts(text, delimiter):
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, starts = [], []
    while True:
        first = reader.line_num + 1
        try:
            rows.append(next(reader))
        except StopIteration:
            return rows, starts
        starts.append(first)


@settings(max_examples=500, deadline=None)
@given(text=csv_text, delimiter=st.sampled_from([",", ";"]))
def test_it_reads_the_rows_csv_reads_and_the_line_each_starts_on(text, delimiter):
    rows, starts = csv_rows_and_starts(text, delimiter)
    got = records(text, delimiter)
    if got and got[-1].problem:
        # A quote left open at the end: csv hands back what it read, here the row is refused.
        assert got[-1].problem.startswith("virgolette aperte e mai chiuse")
        rows, starts, got = rows[:-1], starts[:-1], got[:-1]
    assert [record.fields for record in got] == rows
    assert [record.line for record in got] == starts


def test_a_record_too_long_is_skipped_to_its_real_end():
    huge = "x" * MAX_RECORD_CHARS
    got = records(f'a,"{huge}\nb,c\n",d\ne,f\n')
    assert [(record.line, record.fields, record.problem) for record in got] == [
        (1, [], f"riga più lunga di {MAX_RECORD_CHARS} caratteri"), (4, ["e", "f"], "")]


def test_blank_records_are_told_apart():
    assert [record.blank for record in records("a,b\n\n,\n ,\r\n")] == [False, True, True, True]
