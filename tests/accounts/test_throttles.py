"""Throttles: anonymous callers, each user, the token endpoint, reveal bursts (API and page), and
login spraying of many usernames from one address."""

import pytest
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(monkeypatch):
    """Small rates (DRF reads them once at import; the configured ones are checked below)."""

    def set_rates(**rates):
        monkeypatch.setattr(
            SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **rates}
        )

    return set_rates


def test_throttles_are_enabled_with_the_configured_rates(settings):
    config = settings.REST_FRAMEWORK
    assert {"AnonRateThrottle", "UserRateThrottle", "ScopedRateThrottle"} <= {
        path.rsplit(".", 1)[1] for path in config["DEFAULT_THROTTLE_CLASSES"]
    }
    assert set(config["DEFAULT_THROTTLE_RATES"]) >= {"anon", "user", "token", "reveal"}


def test_token_endpoint_is_throttled(huayuan, rates):
    rates(token="3/min")
    client = Client()
    codes = [
        client.post("/api/token/", {"username": "huayuan", "password": "pw-Secret-123"}).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def test_anonymous_and_user_rates(huayuan, login, rates):
    rates(anon="2/min", user="3/min", token="100/min")
    anonymous = Client()  # only the token endpoint is open to anonymous callers
    codes = [anonymous.post("/api/token/", {"username": "x", "password": "y"}).status_code for _ in range(3)]
    assert codes == [400, 400, 429]
    client = login(huayuan)
    assert [client.get("/api/households/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_reveal_bursts_are_throttled_in_api_and_page(household, dongqu, login, rates):
    rates(reveal="2/min")
    client = login(dongqu)
    person = household.head
    api = [
        client.post(f"/api/persons/{person.pk}/reveal/", {"field": "id_number"}).status_code for _ in range(2)
    ]
    assert api == [200, 200]
    # The page's 显示 button shares the counter.
    page = client.post(f"/persons/{person.pk}/reveal/id_number/")
    assert page.status_code == 429
    assert client.post(f"/api/persons/{person.pk}/reveal/", {"field": "id_number"}).status_code == 429


def test_spraying_many_usernames_from_one_address_is_stopped(settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 4
    for n in range(4):
        UserFactory(username=f"victim{n}")
    client = Client()
    for n in range(4):  # one failure each: far below the per-username lockout
        client.post("/accounts/login/", {"username": f"victim{n}", "password": "guess"})
    response = client.post("/accounts/login/", {"username": "victim0", "password": "pw-Secret-123"})
    assert response.status_code == 429
    assert (
        Client().post("/api/token/", {"username": "victim1", "password": "pw-Secret-123"}).status_code == 429
    )  # same address (the test client's)
    assert "_auth_user_id" not in client.session
