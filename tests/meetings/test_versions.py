"""A case or meeting step taken from a stale page is refused (core.concurrency), in the form and the API."""

import json

import pytest
from django.urls import reverse

from meetings import choices as c
from meetings import services

pytestmark = pytest.mark.django_db
CONFLICT = "此记录已被他人修改"


def test_a_case_step_from_a_stale_page_is_told_and_nothing_moves(login, huayuan, case):
    page = login(huayuan).get(reverse("meetings:case-detail", args=[case.pk]))
    assert 'name="version"' in page.content.decode()
    services.case_update(case=case, user=huayuan, summary="同事补充了情况")
    response = login(huayuan).post(
        reverse("meetings:case-transition", args=[case.pk]),
        {"to": c.CaseStatus.WITHDRAWN, "note": "已解决", "version": "1"},
    )
    assert response.status_code == 200 and CONFLICT in response.content.decode()
    case.refresh_from_db()
    assert case.status == c.CaseStatus.SUBMITTED


def test_api_case_step_with_stale_version_is_409_and_412(login, huayuan, case):
    api = login(huayuan)
    services.case_update(case=case, user=huayuan, summary="改过")
    url = f"/api/joint-cases/{case.pk}/transition/"
    body = {"to": c.CaseStatus.WITHDRAWN, "note": "已解决"}
    stale = api.post(url, data=json.dumps({**body, "version": 1}), content_type="application/json")
    assert stale.status_code == 409
    header = api.post(url, data=json.dumps(body), content_type="application/json", HTTP_IF_MATCH='"1"')
    assert header.status_code == 412
    case.refresh_from_db()
    assert case.status == c.CaseStatus.SUBMITTED


def test_a_meeting_step_with_a_stale_version_is_refused(mishu, meeting):
    from core.concurrency import EditConflict

    services.meeting_update(meeting=meeting, user=mishu, place="三楼会议室")
    with pytest.raises(EditConflict):
        services.meeting_transition(
            meeting=meeting, to=c.MeetingStatus.CANCELLED, user=mishu, expected_version=1
        )
