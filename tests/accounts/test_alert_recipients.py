"""The extra recipients of the alerts on "I tuoi dati": validated, saved, shown back."""

from accounts.models import Holder, Operation

from .test_profile import VALID, post


def test_it_saves_up_to_five_addresses_lower_cased_one_per_line(holder_client, holder):
    response = post(holder_client, alert_emails="Segreteria@Example.it\r\nufficio@example.it, tre@example.it;\n")

    assert "Dati aggiornati." in response.content.decode()
    holder.refresh_from_db()
    assert holder.alert_emails == ["segreteria@example.it", "ufficio@example.it", "tre@example.it"]
    assert Operation.objects.filter(holder=holder, kind=Operation.Kind.PROFILE,
                                    description__contains="altri destinatari degli avvisi").exists()
    page = holder_client.get("/profile/").content.decode()
    assert "segreteria@example.it\nufficio@example.it\ntre@example.it</textarea>" in page


def test_emptying_the_field_removes_them(holder_client, holder):
    Holder.objects.filter(pk=holder.pk).update(alert_emails=["uno@example.it"])

    post(holder_client, alert_emails="  ")

    holder.refresh_from_db()
    assert holder.alert_emails == []


def refused(client, holder, text):
    Holder.objects.filter(pk=holder.pk).update(alert_emails=["prima@example.it"])
    html = post(client, alert_emails=text).content.decode()
    holder.refresh_from_db()
    assert holder.alert_emails == ["prima@example.it"]
    assert "Dati aggiornati." not in html
    return html


def test_an_invalid_address_is_refused_by_name(holder_client, holder):
    html = refused(holder_client, holder, "buono@example.it\nnon-un-indirizzo")

    assert "«non-un-indirizzo» non è un indirizzo e-mail valido." in html


def test_more_than_five_are_refused(holder_client, holder):
    html = refused(holder_client, holder, "\n".join(f"a{n}@example.it" for n in range(6)))

    assert "Puoi indicare al massimo 5 indirizzi." in html


def test_a_repeated_address_is_refused(holder_client, holder):
    html = refused(holder_client, holder, "uno@example.it\nUNO@example.it")

    assert "L&#x27;indirizzo uno@example.it è ripetuto." in html


def test_the_reference_address_is_refused_as_an_extra_one(holder_client, holder):
    html = refused(holder_client, holder, VALID["email"].upper())

    assert f"L&#x27;indirizzo {VALID['email']} è già l&#x27;e-mail di riferimento" in html
