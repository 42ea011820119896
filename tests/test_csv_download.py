"""core.csv_download: cells a spreadsheet would execute stay text; the file comes in chunks."""

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.csv_download import FORMULA_STARTS, csv_chunks, spreadsheet_safe


@pytest.mark.parametrize("cell", ["=SUM(A1:A9)", "+39 06 123", "-2+3", "@SUM(1)", "\tcmd", "\rcmd",
                                  '=HYPERLINK("http://x.example","clic")'])
def test_a_cell_starting_like_a_formula_gets_a_leading_apostrophe(cell):
    assert spreadsheet_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["mario@pec.example.it", "a=b", "2026-03-30", "", " =1", "'già testo"])
def test_other_text_is_left_alone(cell):
    assert spreadsheet_safe(cell) == cell


def test_numbers_are_left_alone_even_negative_ones():
    assert spreadsheet_safe(-3) == -3
    assert spreadsheet_safe(0) == 0


# PostgreSQL text is UTF-8 without NUL: it holds neither NUL nor a lone surrogate (category Cs).
@given(st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))))
def test_no_written_cell_starts_like_a_formula_and_the_text_survives_after_the_apostrophe(text):
    body = b"".join(csv_chunks(["cell"], [[text]])).decode("utf-8")
    header, (cell,) = csv.reader(io.StringIO(body, newline=""))
    assert header == ["cell"]
    assert not cell.startswith(FORMULA_STARTS)
    assert cell == text or cell == "'" + text


def test_rows_come_in_chunks_of_the_given_size_after_the_header():
    chunks = list(csv_chunks(["a", "b"], ([n, f"r{n}"] for n in range(5)), rows_per_chunk=2))
    assert chunks == [b"a,b\r\n0,r0\r\n1,r1\r\n", b"2,r2\r\n3,r3\r\n", b"4,r4\r\n"]
