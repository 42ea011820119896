"""Pages run the same number of queries with one row or many."""

from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from addons.models import Addon, AddonType, Order
from mailboxes.models import Plan
from renewals.selectors import mailbox_page_get
from tests.factories import PASSWORD, make_holder, make_mailbox


def add_addons(mailbox, count):
    inbox = AddonType.objects.get(code="inbox_extra")
    today = timezone.localdate()
    orders = Order.objects.bulk_create(
        Order(holder_id=mailbox.holder_id, mailbox=mailbox, addon_type=inbox, quantity=1, unit_price_cents=250,
              years=1, net_cents=250, vat_cents=55, gross_cents=305, ends_on=mailbox.expires_on,
              status=Order.Status.COMPLETED, completed_at=timezone.now())
        for _ in range(count)
    )
    Addon.objects.bulk_create(
        Addon(mailbox=mailbox, addon_type=inbox, order=order, quantity=1, activated_on=today,
              expires_on=mailbox.expires_on)
        for order in orders
    )


def add_addon_types(count):
    plans = list(Plan.objects.all())
    for n in range(count):
        addon_type = AddonType.objects.create(code=f"extra-{n}", name=f"Extra {n}", yearly_unit_price_cents=100,
                                              effect=AddonType.Effect.INBOX)
        addon_type.plans.set(plans)


def count_queries(fetch):
    with CaptureQueriesContext(connection) as queries:
        response = fetch()
    assert response.status_code == 200
    return len(queries)


def test_the_comparison_page_is_constant(client, db):
    small = count_queries(lambda: client.get("/addons/compare/"))
    add_addon_types(25)
    assert count_queries(lambda: client.get("/addons/compare/")) == small == 2


def test_the_order_page_is_constant(holder_client, mailbox):
    url = f"/mailboxes/{mailbox.pk}/addons/new/"
    small = count_queries(lambda: holder_client.get(url))
    add_addon_types(25)
    add_addons(mailbox, 40)
    assert count_queries(lambda: holder_client.get(url)) == small


def test_the_mailbox_section_reads_nothing_beyond_the_pages_one_query_for_its_mailbox(mailbox, django_assert_num_queries):
    add_addons(mailbox, 30)
    template = Template("{% load addon_tags %}{% mailbox_addons_section mailbox addons %}")
    with django_assert_num_queries(2):  # the mailbox with its plan; its add-ons with their types
        page_mailbox, addons = mailbox_page_get(holder=mailbox.holder, mailbox_id=mailbox.pk)
    with django_assert_num_queries(0):
        html = template.render(Context({"mailbox": page_mailbox, "addons": addons}))
    assert html.count('data-testid="addon-row"') == 30


def test_the_mailbox_page_is_constant_whatever_the_number_of_addons(holder_client, mailbox):
    url = f"/mailboxes/{mailbox.pk}/"
    small = count_queries(lambda: holder_client.get(url))
    add_addons(mailbox, 40)
    assert count_queries(lambda: holder_client.get(url)) == small


def test_the_admin_order_and_addon_lists_are_constant(client, db):
    User.objects.create_superuser("staff", password=PASSWORD)
    client.post("/admin/login/", {"username": "staff", "password": PASSWORD})
    mailbox = make_mailbox(make_holder())
    add_addons(mailbox, 2)
    small = [count_queries(lambda url=url: client.get(url)) for url in ("/admin/addons/order/", "/admin/addons/addon/")]
    for _ in range(5):
        add_addons(make_mailbox(make_holder()), 8)
    large = [count_queries(lambda url=url: client.get(url)) for url in ("/admin/addons/order/", "/admin/addons/addon/")]
    assert large == small
