from addons.models import AddonType


def test_anyone_can_read_the_comparison_table(client, db):
    page = client.get("/addons/compare/").content.decode()
    assert "Tabella comparativa Servizi Aggiuntivi" in page
    for name in ("Spazio extra inbox", "Spazio archivio", "Conservazione sostitutiva"):
        assert name in page
    for net, gross in (("€ 2,50", "€ 3,05"), ("€ 3,00", "€ 3,66"), ("€ 4,00", "€ 4,88")):
        assert net in page
        assert gross in page
    assert "da 1 a 50 GB" in page
    assert "da 1 a 10 GB" in page
    assert "Pro, Premium" in page
    assert "Standard, Pro, Premium" in page
    assert "Se mancano tre mesi o meno alla scadenza, il servizio è attivato gratuitamente" in page


def test_a_logged_in_holder_sees_it_with_the_menu_and_credit(holder_client):
    page = holder_client.get("/addons/compare/").content.decode()
    assert "Tabella comparativa Servizi Aggiuntivi" in page
    assert "Il tuo credito residuo" in page
    assert "Esito Operazioni" in page


def test_types_taken_off_sale_are_not_listed(client, db):
    AddonType.objects.filter(code="conservazione").update(active=False)
    page = client.get("/addons/compare/").content.decode()
    assert "Conservazione sostitutiva</th>" not in page
