from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_code_view, name="login_code"),
    path("logout/", views.logout_view, name="logout"),
    path("mailboxes/", views.mailbox_list, name="mailbox_list"),
    path("mailboxes/<int:mailbox_id>/password/", views.mailbox_password, name="mailbox_password"),
]
