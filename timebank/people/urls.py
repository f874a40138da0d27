"""Pages about people: sign-in and home, the register, a person's record, sign-up, approvals, tokens."""
from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("care-mode/", views.care_mode, name="care_mode"),
    path("people/", views.people_list, name="list"),
    path("people/register/", views.register_person, name="register"),
    path("people/cards/", views.volunteer_cards, name="cards"),
    path("people/<int:pk>/", views.person_detail, name="detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="edit"),
    path("people/<int:pk>/reveal/", views.person_reveal, name="reveal"),
    path("people/<int:pk>/tag/", views.volunteer_tag, name="tag"),
    path("people/<int:pk>/card.pdf", views.volunteer_card, name="card"),
    path("people/<int:pk>/photo/", views.person_photo, name="photo"),
    path("people/<int:pk>/password/", views.person_password, name="password"),
    path("people/<int:pk>/unlock/", views.person_unlock, name="unlock"),
    path("people/<int:pk>/proxies/", views.proxy_add, name="proxy_add"),
    path("people/<int:pk>/proxies/<int:link_pk>/remove/", views.proxy_remove, name="proxy_remove"),
    path("proxy-links/", views.proxy_links, name="proxy_links"),
    path("proxy-links/<int:link_pk>/confirm/", views.proxy_confirm, name="proxy_confirm"),
    path("proxy-links/<int:link_pk>/decline/", views.proxy_decline, name="proxy_decline"),
    path("signup/", views.signup, name="signup"),
    path("signup/thanks/", views.signup_thanks, name="signup_thanks"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<int:pk>/", views.approval_decide, name="approval_decide"),
    path("approvals/decide/", views.approvals_decide, name="approvals_decide"),
    path("me/tokens/", views.tokens, name="tokens"),
    path("me/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
