from celery import shared_task
from django.utils import timezone

from .services import orders_cancel_stale


@shared_task
def orders_cancel_stale_task():
    return len(orders_cancel_stale(now=timezone.now()))
