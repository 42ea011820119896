from django.urls import path

from . import views

urlpatterns = [
    path("profile/", views.profile_view, name="profile"),
    path("profile/api-tokens/", views.api_token_create_view, name="api_token_create"),
    path("profile/api-tokens/<int:api_token_id>/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
    path("profile/users/invite/", views.delegate_invite_view, name="delegate_invite"),
    path("profile/users/<int:delegate_id>/role/", views.delegate_role_view, name="delegate_role"),
    path("profile/users/<int:delegate_id>/revoke/", views.delegate_revoke_view, name="delegate_revoke"),
    path("profile/second-factor/", views.second_factor_view, name="second_factor"),
    path("invitation/<str:token>/", views.invitation_view, name="invitation"),
]
