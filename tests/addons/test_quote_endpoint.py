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


def test_a_quantity_int_cannot_read_gets_the_rules_message_not_a_500(holder_client, mailbox):
    # "²" is a digit to str.isdigit() but not to int(); 5,000 digits are past int()'s limit.
    for quantity in ["²", "9" * 5000, "1e3", "-1", "0", "51", "99999999999999999999", " 3.5", "3\x00"]:
        response = holder_client.get(f"/mailboxes/{mailbox.pk}/addons/quote/", {"addon_type": "inbox_extra",
                                                                                 "quantity": quantity})
        assert response.status_code == 400, quantity
        assert response.json() == {"ok": False, "error": "La quantità deve essere un numero intero tra 1 e 50 GB."}


def test_an_addon_type_the_database_cannot_compare_is_unknown(holder_client, mailbox):
    for addon_type in ["inbox%00extra", "x" * 10_000, "", "%FF%FE", "inbox_extra%C0"]:
        response = holder_client.get(quote_url(mailbox, addon_type=addon_type, quantity="3"))
        assert response.status_code == 400, addon_type
        assert response.json()["error"] == "Servizio Aggiuntivo sconosciuto: scegline uno dall'elenco."


def test_it_reads_the_quantity_as_the_order_form_does(holder_client, mailbox):
    # The last of repeated parameters; digits of other scripts are the same number to int().
    for query in ["quantity=2&quantity=3", "quantity=%D9%A3", "quantity=+3+"]:
        response = holder_client.get(quote_url(mailbox, addon_type="inbox_extra") + "&" + query)
        assert response.json()["gross_cents"] == 1830, query
