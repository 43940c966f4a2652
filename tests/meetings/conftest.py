"""Joint-meeting personas and a case in each state of its life.

Personas beyond tests/conftest.py: ``mishu`` (the city secretariat), ``renshe`` (the 人社 liaison),
``zhujian`` (the 住建 liaison) and ``dongqu_endorser`` (the 东区 town worker with the endorse right).
"""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from accounts.choices import Role
from assistance.services import need_record
from meetings import choices as c
from meetings import services
from meetings.models import Department, Liaison
from tests.factories import HouseholdFactory, PersonFactory, UserFactory, community

TODAY = dt.date.today()


def dept(code: str) -> Department:
    return Department.objects.get(code=code)


@pytest.fixture
def mishu(db):
    return UserFactory(username="mishu", role=Role.SECRETARIAT)


def _liaison(username, code):
    user = UserFactory(username=username, role=Role.DEPARTMENT_LIAISON)
    Liaison.objects.create(user=user, department=dept(code))
    return user


@pytest.fixture
def renshe(db):
    return _liaison("renshe", "hr_social_security")


@pytest.fixture
def zhujian(db):
    return _liaison("zhujian", "housing")


@pytest.fixture
def dongqu_endorser(dongqu):
    dongqu.user_permissions.add(Permission.objects.get(codename="endorse_case"))
    return type(dongqu).objects.get(pk=dongqu.pk)


@pytest.fixture
def need(household, huayuan):
    return need_record(
        user=huayuan, household=household, domain="medical", description="透析费用高", source="visit"
    )


@pytest.fixture
def case(household, huayuan, need):
    return services.case_escalate(
        user=huayuan, household=household, needs=[need], summary="户主尿毒症，需多部门协调"
    )


@pytest.fixture
def meeting(mishu):
    return services.meeting_create(
        user=mishu,
        title="2026年第1次联席会议",
        held_on=TODAY,
        departments=[dept("civil_affairs"), dept("medical_insurance")],
    )


@pytest.fixture
def endorsed(case, dongqu_endorser):
    return services.case_transition(case=case, to=c.CaseStatus.ENDORSED, user=dongqu_endorser)


@pytest.fixture
def resolving(endorsed, meeting, mishu):
    """A case decided at a held meeting: a 人社 task and a 医保 task."""
    services.case_schedule(case=endorsed, meeting=meeting, user=mishu)
    services.meeting_transition(meeting=meeting, to=c.MeetingStatus.HELD, user=mishu)
    endorsed.refresh_from_db()
    services.task_add(
        case=endorsed,
        user=mishu,
        department=dept("hr_social_security"),
        action="安排公益性岗位",
        deadline=TODAY,
    )
    services.task_add(
        case=endorsed,
        user=mishu,
        department=dept("medical_insurance"),
        action="落实医疗救助",
        deadline=TODAY + dt.timedelta(days=30),
    )
    endorsed.refresh_from_db()
    return endorsed


@pytest.fixture
def west_case(xiqu, mishu, db):
    """A 西区 case, endorsed by a 西区 endorser: the secretariat sees it, 东区 workers do not."""
    household = HouseholdFactory(community=community("烟洲社区"), address="烟洲路9号")
    PersonFactory(household=household, name="王西区")
    worker = UserFactory(role=Role.COMMUNITY_WORKER, division=community("烟洲社区"))
    need = need_record(user=worker, household=household, domain="housing", description="危房", source="visit")
    case = services.case_escalate(user=worker, household=household, needs=[need], summary="危房改造")
    xiqu.user_permissions.add(Permission.objects.get(codename="endorse_case"))
    endorser = type(xiqu).objects.get(pk=xiqu.pk)
    return services.case_transition(case=case, to=c.CaseStatus.ENDORSED, user=endorser)
