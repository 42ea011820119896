"""The optional billing columns of the import: validated as the profile form validates them, and
a column left out or a cell left empty keeps what the holder already has."""

from accounts.models import Holder, Operation
from mailboxes.models import Mailbox
from tests.mailboxes.test_import import HEADER, LUIGI, MARIO, row, run

BILLING = ["street", "postal_code", "city", "province", "country", "company_name", "vat_number", "sdi_code",
           "invoice_pec"]
BILLING_HEADER = HEADER + "," + ",".join(BILLING)
ROSSI = {"street": "Via del Corso 1", "postal_code": "00186", "city": "Roma", "province": "rm", "country": "it",
         "company_name": "Studio Rossi", "vat_number": "IT 00743110157", "sdi_code": "m5uxcr1",
         "invoice_pec": "Fatture@PEC.Studio-Rossi.it"}


def billed_row(billing=(), **fields):
    values = {name: "" for name in BILLING} | dict(billing)
    return row(**fields) + "," + ",".join(values[name] for name in BILLING)


def billing_of(fiscal_code):
    return Holder.objects.filter(fiscal_code=fiscal_code).values(*BILLING).get()


def test_it_fills_the_holders_billing_data_in_its_stored_form(db, tmp_path):
    _out, _err, ok = run(tmp_path, billed_row(ROSSI), header=BILLING_HEADER)
    assert ok
    assert billing_of(MARIO) == {
        "street": "Via del Corso 1", "postal_code": "00186", "city": "Roma", "province": "RM", "country": "IT",
        "company_name": "Studio Rossi", "vat_number": "00743110157", "sdi_code": "M5UXCR1",
        "invoice_pec": "fatture@pec.studio-rossi.it",
    }


def test_an_invalid_billing_value_refuses_its_row_with_the_profile_forms_message(db, tmp_path):
    bad = [("postal_code", "0018", "postal_code: Il CAP deve essere di 5 cifre."),
           ("postal_code", "٠٠١٨٦", "postal_code: Il CAP deve essere di 5 cifre."),
           ("province", "Roma", "province: La provincia è una sigla di 2 lettere (es. RM)."),
           ("country", "ITA", "country: Indica la nazione con il codice di 2 lettere (es. IT)."),
           ("vat_number", "00743110158", "vat_number: Partita IVA non valida."),
           ("sdi_code", "ABC", "sdi_code: Il codice destinatario è di 7 caratteri, lettere o cifre."),
           ("invoice_pec", "fatture", "invoice_pec: "),
           ("street", "V" * 201, "street più lungo di 200 caratteri"),
           ("company_name", "Studio\x01Rossi", "company_name: carattere di controllo 0x01")]
    rows = [billed_row({column: value}, address=f"m{n}@pec.it", fiscal_code=LUIGI, first="Luigi", last="Bianchi")
            for n, (column, value, _message) in enumerate(bad)]
    _out, err, ok = run(tmp_path, *rows, billed_row(ROSSI), header=BILLING_HEADER)
    assert not ok
    for line, (_column, _value, message) in enumerate(bad, start=2):
        assert f"riga {line}: {message}" in err, (line, err)
    assert f"righe con errori: {len(bad)}." in err
    assert not Holder.objects.filter(fiscal_code=LUIGI).exists()
    assert Mailbox.objects.get().address == "mario.rossi@pec.ording.roma.it"


def test_absent_columns_and_empty_cells_keep_what_the_holder_has(db, tmp_path):
    run(tmp_path, billed_row(ROSSI), header=BILLING_HEADER)
    before = billing_of(MARIO)
    operations = Operation.objects.count()

    _out, _err, ok = run(tmp_path, row())
    assert ok
    _out, _err, ok = run(tmp_path, billed_row(), header=BILLING_HEADER)
    assert ok
    assert billing_of(MARIO) == before
    assert Operation.objects.count() == operations

    _out, _err, ok = run(tmp_path, row() + ",Via Nazionale 2", header=HEADER + ",street")
    assert ok
    assert billing_of(MARIO) == {**before, "street": "Via Nazionale 2"}
    change = Operation.objects.latest("pk")
    assert (change.kind, change.description) == (Operation.Kind.PROFILE, "Dati modificati: indirizzo")


def test_a_new_holder_without_a_country_is_italian(db, tmp_path):
    _out, _err, ok = run(tmp_path, row() + ",Via del Corso 1", header=HEADER + ",street")
    assert ok
    assert (billing_of(MARIO)["street"], billing_of(MARIO)["country"]) == ("Via del Corso 1", "IT")
