from django.urls import path

from . import views

urlpatterns = [
    path("mailboxes/", views.mailbox_list, name="mailbox_list"),
    path("mailboxes/<int:mailbox_id>/", views.mailbox_detail, name="mailbox_detail"),
    path("mailboxes/<int:mailbox_id>/password/", views.mailbox_password, name="mailbox_password"),
]
