from tests.factories import make_mailbox


def quote_url(mailbox, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/mailboxes/{mailbox.pk}/addons/quote/?{query}"


def test_it_returns_the_live_total_as_json(holder_client, mailbox):
    quote = holder_client.get(quote_url(mailbox, addon_type="inbox_extra", quantity=3)).json()
    assert quote["ok"] is True
    assert (quote["net"], quote["vat"], quote["gross"], quote["gross_cents"]) == ("€ 15,00", "€ 3,30", "€ 18,30", 1830)
    assert quote["years"] == 2
    assert quote["terms"].startswith("2 anni, fino alla scadenza del")


def test_it_explains_a_free_activation(holder_client, holder):
    soon = make_mailbox(holder, expires_in_days=20)
    quote = holder_client.get(quote_url(soon, addon_type="inbox_extra", quantity=1)).json()
    assert quote["free"] is True
    assert quote["terms"] == f"gratuito fino alla scadenza del {soon.expires_on:%d/%m/%Y}, poi si rinnova con la casella"


def test_it_refuses_bad_choices_with_the_forms_messages(holder_client, mailbox):
    response = holder_client.get(quote_url(mailbox, addon_type="inbox_extra", quantity="abc"))
    assert response.status_code == 400
    assert response.json()["error"] == "La quantità deve essere un numero intero tra 1 e 50 GB."
    response = holder_client.get(quote_url(mailbox, addon_type="nope", quantity=1))
    assert response.json()["error"] == "Servizio Aggiuntivo sconosciuto: scegline uno dall'elenco."
