"""Schemathesis against our own OpenAPI schema, in-process (WSGI), as a city admin and as a
community worker: no 5xx, every response matches the schema, and data the schema forbids is
refused with a 4xx. Bounded: a few examples per operation and mode, no shrinking, and a hard time
budget per persona (the run fails, rather than silently stopping, when it is exceeded).

Operations with an ``{id}`` are fuzzed on the id of a real record the persona can see (generated
ids would mostly give 404), so that the handlers themselves run on fuzzed bodies and queries.
"""

import datetime as dt
import re
import time

import pytest
import schemathesis
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
)

from accounts.choices import Role
from accounts.tokens import token_create
from assessments import services
from tests.factories import AssistanceStatusFactory, HouseholdFactory, PersonFactory, UserFactory, community

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MAX_EXAMPLES = 4
BUDGET_SECONDS = 120  # per persona; a run alone on CI's machine takes about a quarter of it


def body_rejection(ctx, response, case):
    """negative_data_rejection for invalid bodies (an array for an object, a wrong type, a missing
    field). Query filters are lenient on purpose (an empty or unknown filter value means "no
    filter", as in the list pages), so query-only negations are not held to it."""
    meta = case.meta
    if meta is None or not meta.is_negative_at(ParameterLocation.BODY):
        return None
    if any(meta.is_negative_at(other) for other in ParameterLocation if other != ParameterLocation.BODY):
        return None
    return negative_data_rejection(ctx, response, case)


CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, body_rejection]
# Starting a city-wide sweep from a fuzzer is pointless work; it is tested in tests/assessments.
SKIP = {("POST", "/api/screening-sweeps/run/"), ("POST", "/api/tokens/logout-everywhere/")}


def _persona(role: str):
    if role == "admin":
        return UserFactory(username="fuzz_admin", role=Role.ADMIN, is_staff=True, is_superuser=True)
    return UserFactory(username="fuzz_worker", role=Role.COMMUNITY_WORKER, division=community("花苑社区"))


def _records():
    household = HouseholdFactory(community=community("花苑社区"))
    person = PersonFactory(household=household)
    AssistanceStatusFactory(person=person)
    services.alert_create(person=person, kind="medical_bill", rescreen=False)
    data = {"source": "outreach", "found_on": dt.date(2026, 11, 1), "found_place": "岐江桥"}
    services.vagrant_create(
        user=UserFactory(role=Role.ADMIN), data={**data, "community": community("花苑社区")}
    )


def _config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict({"seed": 20261202, "generation": {"database": "none"}})


def _real_id(client, path: str):
    """The first id the persona sees in the list the detail path belongs to."""
    listing = re.sub(r"\{id\}/.*$", "", path)
    response = client.get(listing)
    rows = response.json().get("results", []) if response.status_code == 200 else []
    return rows[0]["id"] if rows and isinstance(rows[0], dict) and "id" in rows[0] else None


def _fuzz(operation, strategy, headers, deadline) -> str | None:
    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        cache.clear()  # throttle counters: the fuzzer is not what they protect against
        case.call_and_validate(headers=headers, checks=CHECKS)

    if time.monotonic() > deadline:
        return f"{operation.label}: not run, the {BUDGET_SECONDS}s budget was used up"
    try:
        run()
    except (Exception, BaseExceptionGroup) as error:  # every operation is reported, not only the first
        return f"{operation.label}: {str(error)[:2000]}"
    return None


@pytest.mark.parametrize("role", ["admin", "community_worker"])
def test_api_conforms_to_its_schema(role):
    _records()
    user = _persona(role)
    headers = {"Authorization": f"Token {token_create(user=user, name='fuzz')[1]}"}
    token_create(user=user, name="spare")  # the newest: the one the revoke endpoint is fuzzed on
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", get_wsgi_application(), config=_config(), headers=headers
    )
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=headers["Authorization"])
    deadline = time.monotonic() + BUDGET_SECONDS
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        real = _real_id(client, operation.path) if "{id}" in operation.path else None
        fixed = {"path_parameters": {"id": real}} if real is not None else {}
        # With a real record, fuzz the handler on it; generated ids only exercise the 404 path.
        strategies = [operation.as_strategy(GenerationMode.POSITIVE, **fixed)]
        if operation.body:
            strategies.append(operation.as_strategy(GenerationMode.NEGATIVE, **fixed))
        for strategy in strategies:
            if failure := _fuzz(operation, strategy, headers, deadline):
                failures.append(failure)
                break
    assert not failures, f"{len(failures)} operation(s) failed as {role}:\n\n" + "\n\n".join(failures)
