import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from addons.admin import ORDER_LINES_SHOWN
from addons.models import AddonType, Order, OrderLine
from mailboxes.models import Plan
from tests.factories import PASSWORD, make_holder, make_mailboxes

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


def bulk_order(lines):
    """A pending order over ``lines`` mailboxes, as addons.bulk writes it."""
    holder = make_holder()
    inbox = AddonType.objects.get(code="inbox_extra")
    order = Order.objects.create(holder=holder, addon_type=inbox, quantity=1, unit_price_cents=250, net_cents=250 * lines,
                                 vat_cents=55 * lines, gross_cents=305 * lines)
    OrderLine.objects.bulk_create(OrderLine(order=order, mailbox=mailbox, years=1, net_cents=250, ends_on=mailbox.expires_on)
                                  for mailbox in make_mailboxes(holder, lines))
    return order


def order_page(client, order):
    with CaptureQueriesContext(connection) as queries:
        html = client.get(f"/admin/addons/order/{order.pk}/change/").content.decode()
    rows = re.findall(r'<td class="field-line_mailbox">\s*<p><a href="/admin/mailboxes/mailbox/(\d+)/change/">', html)
    return html, [int(pk) for pk in rows], len(queries)


def test_a_bulk_order_shows_its_first_lines_the_count_and_a_link_to_all_in_constant_queries(client, db):
    staff_login(client)
    small, large = bulk_order(3), bulk_order(ORDER_LINES_SHOWN + 10)
    order_page(client, small)  # per-process caches (content types, permissions) filled

    small_html, small_rows, small_queries = order_page(client, small)
    large_html, large_rows, large_queries = order_page(client, large)

    assert small_rows == sorted(small.lines.values_list("mailbox_id", flat=True))
    assert large_rows == sorted(large.lines.values_list("mailbox_id", flat=True))[:ORDER_LINES_SHOWN]
    assert "3 caselle · <a" in small_html and "qui sotto le prime" not in small_html
    assert f"{ORDER_LINES_SHOWN + 10} caselle · qui sotto le prime {ORDER_LINES_SHOWN}" in large_html
    assert small_queries == large_queries
    assert 'name="_save"' not in large_html and "lines-0-DELETE" not in large_html
    link = re.search(r'href="([^"]+)" data-testid="order-lines-link"', large_html).group(1)
    assert link == f"/admin/addons/orderline/?order__id__exact={large.pk}"
    listed = client.get(link)
    assert listed.context["cl"].result_count == ORDER_LINES_SHOWN + 10
    assert client.get(f"/admin/addons/orderline/?order__id__exact={small.pk}").context["cl"].result_count == 3
    assert client.get("/admin/addons/orderline/add/").status_code == 403


def test_a_single_mailbox_order_has_no_lines_section(holder_client, holder, mailbox, client):
    give_credit(holder, 5000)
    quote_then_confirm(holder_client, mailbox)
    staff_login(client)

    html = client.get(f"/admin/addons/order/{Order.objects.get().pk}/change/").content.decode()

    assert "order-lines-link" not in html and "righe d&#x27;ordine" not in html
