"""The portal's URLs plus two ceilings measured beside the pages in the same run:
(a) anonymous, one SQL query; (b) logged in: the whole middleware stack loads the session, the
user and the login mailbox, then the view runs one query."""

from django.http import HttpResponse
from django.urls import include, path

from accounts.decorators import holder_required
from mailboxes.models import Plan


def ceiling_anonymous(request):
    return HttpResponse(f"plans: {Plan.objects.count()}")


@holder_required
def ceiling_logged_in(request):
    return HttpResponse(f"plans: {Plan.objects.count()} for {request.login_mailbox.address}")


urlpatterns = [
    path("bench/ceiling-anonymous/", ceiling_anonymous),
    path("bench/ceiling-logged-in/", ceiling_logged_in),
    path("", include("pecportal.urls")),
]
