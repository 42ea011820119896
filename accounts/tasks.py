from celery import shared_task
from django.core.management import call_command


@shared_task
def sessions_clear_expired_task():
    """Django's clearsessions: the database keeps every session row until something deletes it."""
    call_command("clearsessions")
