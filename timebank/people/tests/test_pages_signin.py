"""Signing in on the pages, the home page each role sees, the language switch and the lockout."""
from django.test import Client


def test_it_signs_in_with_the_mobile_number_and_shows_the_staff_dashboard(world, client):
    response = client.post("/login/", {"username": world.station_staff.mobile, "password": world.password}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "政立路站员" in page
    assert 'href="/people/"' in page and 'href="/approvals/"' in page
    assert 'href="/audit/"' not in page  # station staff do not read the audit log


def test_it_accepts_a_mobile_number_typed_with_full_width_digits(world, client):
    response = client.post("/login/", {"username": "１３９ ０００００００４", "password": world.password})
    assert response.status_code == 302


def test_a_wrong_password_shows_a_friendly_message(world, client):
    response = client.post("/login/", {"username": world.station_staff.mobile, "password": "nope-nope"})
    assert response.status_code == 200
    assert "手机号或密码不正确" in response.content.decode()


def test_the_navigation_follows_the_role(world, client):
    client.force_login(world.auditor)
    page = client.get("/").content.decode()
    assert 'href="/audit/"' in page
    assert 'href="/orgs/grants/"' not in page and 'href="/people/register/"' not in page
    client.force_login(world.bank_admin)
    page = client.get("/").content.decode()
    for link in ("/people/", "/people/register/", "/approvals/", "/orgs/", "/orgs/grants/", "/orgs/rules/", "/audit/"):
        assert f'href="{link}"' in page


def test_a_member_sees_their_own_card_with_masked_numbers_and_the_elders_they_act_for(world, client):
    from timebank.people.services import proxy_confirm, proxy_link

    link = proxy_link(actor=world.station_staff, elder=world.elder, proxy=world.proxy, relation="child")
    proxy_confirm(actor=world.branch_admin, link=link)
    client.force_login(world.proxy)
    page = client.get("/").content.decode()
    assert "body class=\"member" in page
    assert "138****0012" in page and "13800000012" not in page
    assert world.proxy.plain_id_number not in page
    assert "张晓明" in page  # the elder they act for
    assert 'href="/people/"' not in page  # no staff menu


def test_pages_are_in_chinese_by_default_and_switch_to_english(world, client):
    page = client.get("/login/").content.decode()
    assert '<html lang="zh-Hans">' in page and "登录" in page
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"}, follow=True)
    page = response.content.decode()
    assert '<html lang="en">' in page and "Sign in" in page


def test_sign_out_is_a_post_and_ends_the_session(world, client):
    client.force_login(world.volunteer)
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302  # back to the sign-in page


def test_five_wrong_passwords_show_the_locked_out_page_even_with_the_right_one(world):
    client = Client()
    for _ in range(5):
        response = client.post("/login/", {"username": world.volunteer.mobile, "password": "wrong-password"})
    assert response.status_code == 429
    assert "密码错误次数过多" in response.content.decode()
    response = client.post("/login/", {"username": world.volunteer.mobile, "password": world.password})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
