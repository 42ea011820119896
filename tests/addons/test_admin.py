from accounts.models import User
from addons.models import AddonType, Order
from mailboxes.models import Plan
from tests.factories import PASSWORD

from .conftest import give_credit, quote_then_confirm


def staff_login(client):
    User.objects.create_superuser("staff", password=PASSWORD)
    assert client.post("/admin/login/", {"username": "staff", "password": PASSWORD}).status_code == 302


def test_staff_edit_a_price_in_euros_and_placed_orders_keep_theirs(holder_client, holder, mailbox, client):
    give_credit(holder, 5000)
    quote_then_confirm(holder_client, mailbox)
    staff_login(client)
    inbox = AddonType.objects.get(code="inbox_extra")
    url = f"/admin/addons/addontype/{inbox.pk}/change/"
    assert 'value="2,50"' in client.get(url).content.decode()

    response = client.post(url, {
        "code": "inbox_extra", "name": "Spazio extra inbox", "description": "", "unit": "GB",
        "yearly_unit_price": "2,80", "min_quantity": "1", "max_quantity": "20",
        "plans": [str(p.pk) for p in Plan.objects.all()], "effect": "inbox", "active": "on",
    })

    assert response.status_code == 302
    inbox.refresh_from_db()
    assert (inbox.yearly_unit_price_cents, inbox.max_quantity) == (280, 20)
    order = Order.objects.get()
    assert (order.unit_price_cents, order.gross_cents) == (250, 1830)


def test_staff_cannot_save_an_unreadable_price_or_an_empty_range(client, db):
    staff_login(client)
    inbox = AddonType.objects.get(code="inbox_extra")
    response = client.post(f"/admin/addons/addontype/{inbox.pk}/change/", {
        "code": "inbox_extra", "name": "x", "unit": "GB", "yearly_unit_price": "due euro",
        "min_quantity": "5", "max_quantity": "2", "plans": [], "effect": "inbox",
    })
    html = response.content.decode()
    assert "Importo non valido: scrivi ad esempio 2,50." in html
    assert "La quantità massima non può essere minore della minima." in html
    inbox.refresh_from_db()
    assert inbox.yearly_unit_price_cents == 250


def test_orders_are_searchable_by_address_and_fiscal_code_and_read_only(holder_client, holder, mailbox, client):
    give_credit(holder, 5000)
    quote_then_confirm(holder_client, mailbox)
    order = Order.objects.get()
    staff_login(client)

    by_address = client.get("/admin/addons/order/", {"q": mailbox.address}).content.decode()
    by_code = client.get("/admin/addons/order/", {"q": holder.fiscal_code}).content.decode()
    nothing = client.get("/admin/addons/order/", {"q": "nessuno@pec.example.it"}).content.decode()

    assert f"/admin/addons/order/{order.pk}/change/" in by_address
    assert f"/admin/addons/order/{order.pk}/change/" in by_code
    assert f"/admin/addons/order/{order.pk}/change/" not in nothing
    assert client.get("/admin/addons/order/add/").status_code == 403
    detail = client.get(f"/admin/addons/order/{order.pk}/change/").content.decode()
    assert 'name="_save"' not in detail
    assert client.get("/admin/addons/addon/").status_code == 200
