from django.urls import path

from . import views

urlpatterns = [
    path("profile/", views.profile_view, name="profile"),
    path("profile/api-tokens/", views.api_token_create_view, name="api_token_create"),
    path("profile/api-tokens/<int:api_token_id>/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
]
