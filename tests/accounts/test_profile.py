import pytest

from accounts.models import Holder, Operation

VALID = {
    "email": "mario.rossi@example.it",
    "phone": "+39 06 1234567",
    "street": "Via del Corso 1",
    "postal_code": "00186",
    "city": "Roma",
    "province": "rm",
    "country": "it",
    "company_name": "Studio Rossi",
    "vat_number": "00743110157",
    "sdi_code": "abc1234",
    "invoice_pec": "fatture@pec.example.it",
}


def post(client, **overrides):
    return client.post("/profile/", {**VALID, **overrides}, follow=True)


def test_it_shows_the_holders_data_with_name_and_fiscal_code_read_only(holder_client, holder):
    page = holder_client.get("/profile/").content.decode()
    assert "I tuoi dati" in page
    assert holder.fiscal_code in page
    assert holder.last_name in page
    assert 'name="fiscal_code"' not in page
    assert 'name="first_name"' not in page
    assert 'name="last_name"' not in page
    assert 'name="email"' in page


def test_it_saves_the_changes_and_normalises_province_and_codes(holder_client, holder):
    response = post(holder_client)
    assert "Dati aggiornati." in response.content.decode()
    holder.refresh_from_db()
    assert (holder.province, holder.country, holder.sdi_code) == ("RM", "IT", "ABC1234")
    assert holder.vat_number == "00743110157"
    assert holder.city == "Roma"


def test_it_logs_which_fields_changed_but_never_their_values(holder_client, holder):
    post(holder_client)
    post(holder_client, phone="+39 06 7654321")
    operations = list(Operation.objects.filter(holder=holder, kind=Operation.Kind.PROFILE).order_by("id"))
    assert len(operations) == 2
    assert "telefono" in operations[1].description
    assert "7654321" not in operations[1].description
    assert "città" not in operations[1].description


def test_saving_without_changes_logs_nothing(holder_client, holder):
    post(holder_client)
    response = post(holder_client)
    assert "Nessuna modifica da salvare." in response.content.decode()
    assert Operation.objects.filter(holder=holder, kind=Operation.Kind.PROFILE).count() == 1


def test_a_forged_post_cannot_change_name_surname_or_fiscal_code(holder_client, holder):
    before = (holder.first_name, holder.last_name, holder.fiscal_code)
    response = post(holder_client, first_name="Luigi", last_name="Bianchi", fiscal_code="BNCLGU80A01H501X")
    assert response.status_code == 200
    holder.refresh_from_db()
    assert (holder.first_name, holder.last_name, holder.fiscal_code) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("vat_number", "00743110158", "Partita IVA non valida."),
        ("postal_code", "0018", "Il CAP deve essere di 5 cifre."),
        ("postal_code", "00a86", "Il CAP deve essere di 5 cifre."),
        ("province", "Roma", "La provincia è una sigla di 2 lettere (es. RM)."),
        ("email", "non-una-mail", "Inserisci un indirizzo email valido."),
        ("sdi_code", "ABC12", "Il codice destinatario è di 7 caratteri, lettere o cifre."),
        ("phone", "chiamami", "Numero di telefono non valido."),
        ("city", "", "Questo campo è obbligatorio."),
    ],
)
def test_it_refuses_bad_values_with_an_italian_message_next_to_the_field(holder_client, holder, field, value, message):
    response = post(holder_client, **{field: value})
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert f'id="error_1_id_{field}"' in page
    assert Holder.objects.get(pk=holder.pk).email != VALID["email"]
    assert not Operation.objects.filter(holder=holder, kind=Operation.Kind.PROFILE).exists()


def test_the_profile_needs_a_holder_session(client, db):
    response = client.get("/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
