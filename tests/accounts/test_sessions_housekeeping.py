"""Expired sessions are deleted by a daily job (Django's clearsessions through Celery beat): the
database keeps every session row until something deletes it."""

from datetime import timedelta

from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.tasks import sessions_clear_expired_task


def test_expired_sessions_go_and_live_ones_stay(holder_client):
    live = Session.objects.get()
    Session.objects.create(session_key="scaduta" * 4, session_data="", expire_date=timezone.now() - timedelta(seconds=1))

    sessions_clear_expired_task.apply().get()

    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    assert holder_client.get("/").status_code == 200
