"""Demo joint meetings: cases, meetings and resolutions in every state, a secretariat login
(``mishu``) and a department liaison (``renshe``, 人社). Idempotent: made once, when no case exists.

Everything goes through the services (so the history reads as a real year did); dates in the past
are set afterwards, where a service would refuse them today (a held meeting, an overdue deadline).
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from assistance.choices import OPEN_NEED_STATUSES

from . import choices as c
from . import services
from .models import Department, JointCase, Liaison, Meeting, ResolutionTask

# The domain of the needs each summary is about (the demo picks a household with such a need).
SUMMARY_DOMAINS = [
    "medical",
    "housing",
    "care",
    "education",
    "care",
    "education",
    "employment",
    "housing",
    "medical",
]
SUMMARIES = [
    "户主患尿毒症需长期透析，医保报销后自付仍高；配偶无业，孩子读初中。社区已给予临时救助，仍无法解决长期医疗负担，需医保、卫健、人社协调。",
    "房屋经鉴定为D级危房，家庭无力自筹改造资金，老人行动不便无法外出租房，需住建、民政协调危房改造与临时安置。",
    "重度残疾子女需长期照护，母亲无法就业，家庭收入低于低边标准，需残联、人社、民政协调护理补贴与公益性岗位。",
    "父亲服刑、母亲失联，两名未成年子女由年迈祖父母照顾，需民政、教育、妇联协调事实无人抚养儿童认定与助学。",
    "独居高龄老人突发中风出院，无人照料，需卫健、民政协调家庭病床与居家照护服务。",
    "因病致贫家庭，子女高中辍学在家，需教育、人社协调复学或技能培训。",
    "家庭主要劳动力工伤致残，工伤认定未完成，需人社、司法协调法律援助与工伤认定。",
    "低保家庭住房被征收后过渡安置到期，需住建、民政协调公租房。",
    "精神障碍患者监护人年迈，需卫健、公安、残联协调救治与监护。",
]
ACTIONS = {
    "hr_social_security": [
        "安排公益性岗位一个，优先照顾其照护时间",
        "组织参加家政技能培训并推荐就业",
        "协助办理工伤认定",
    ],
    "medical_insurance": ["按规定落实门诊特定病种待遇和医疗救助倾斜", "核查大病保险二次报销"],
    "health": ["安排家庭医生签约并建立家庭病床", "协调定点医院减免部分自付费用"],
    "housing": ["纳入年度农村危房改造计划，优先实施", "优先配租公租房一套"],
    "civil_affairs": ["评估纳入低保并给予临时救助", "落实事实无人抚养儿童基本生活补贴"],
    "disabled_federation": ["落实重度残疾人护理补贴并提供辅具", "安排托养机构日间照料"],
    "education": ["落实助学金并安排劝返复学", "安排课后托管与课业辅导"],
    "justice": ["指派法律援助律师"],
    "women_federation": ["安排儿童主任定期探访"],
}


def _users():
    from django.contrib.auth.models import Permission

    from accounts.choices import Role
    from accounts.models import User
    from households.demo import DEMO_PASSWORD

    rows = []
    specs = [
        ("mishu", "市联席会议办公室", Role.SECRETARIAT),
        ("renshe", "人社局联络员", Role.DEPARTMENT_LIAISON),
    ]
    for username, full_name, role in specs:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": full_name, "role": role}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        rows.append((username, role.label, "全市"))
    Liaison.objects.get_or_create(
        user=User.objects.get(username="renshe"),
        defaults={"department": Department.objects.get(code="hr_social_security")},
    )
    dongqu = User.objects.filter(username="dongqu").first()
    if dongqu:
        dongqu.user_permissions.add(Permission.objects.get(codename="endorse_case"))
    return rows


def make_demo_meetings() -> dict:
    from accounts.models import User
    from assistance.models import Need

    rows = _users()
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["admin", "dongqu", "huayuan", "mishu", "renshe"])
    }
    if len(users) < 5 or JointCase.objects.exists():
        return {"logins": rows, "cases": 0}
    dongqu, huayuan, mishu, renshe = (
        User.objects.get(pk=users[n].pk) for n in ("dongqu", "huayuan", "mishu", "renshe")
    )  # fresh: the permission cache of dongqu must see endorse_case
    admin = users["admin"]
    needs = (
        Need.objects.filter(status__in=OPEN_NEED_STATUSES, household__town__name="东区街道")
        .select_related("household__community")
        .order_by("household_id", "id")
    )
    by_household = {}
    for need in needs:
        by_household.setdefault(need.household_id, []).append(need)
    picks = _pick_households(by_household, users)
    if not picks:
        return {"logins": rows, "cases": 0}
    huayuan_households = {h for h in picks if by_household[h][0].household.community.name == "花苑社区"}
    today = timezone.localdate()
    departments = {d.code: d for d in Department.objects.all()}
    with transaction.atomic():
        cases = []
        for i, household_id in enumerate(picks):
            household_needs = [n for n in by_household[household_id] if n.domain == SUMMARY_DOMAINS[i]][:2]
            author = huayuan if household_id in huayuan_households else dongqu
            case = services.case_escalate(
                user=author,
                household=household_needs[0].household,
                needs=household_needs,
                summary=SUMMARIES[i],
            )
            cases.append((case, author))
        meetings = _meetings(mishu, departments, today)
        # 0 submitted; 1 returned; 2 endorsed; 3 on the agenda of the next meeting; 4-5 resolving;
        # 6 closed (all done); 7 closed (one task could not be done); 8 withdrawn.
        for i, (case, author) in enumerate(cases):
            endorser = dongqu if author == huayuan else admin
            if i == 1:
                services.case_transition(
                    case=case,
                    to=c.CaseStatus.RETURNED,
                    user=endorser,
                    note="请补充已采取的帮扶措施和家庭收入情况。",
                )
            elif i == 8:
                services.case_transition(
                    case=case, to=c.CaseStatus.WITHDRAWN, user=author, note="镇街已协调解决，无需上会。"
                )
            elif i >= 2:
                services.case_transition(
                    case=case, to=c.CaseStatus.ENDORSED, user=endorser, note="情况属实，同意提交联席会议。"
                )
            if i == 3:
                services.case_schedule(case=case, meeting=meetings["next"], user=mishu)
            if i in (4, 5, 6, 7):
                held = meetings["first"] if i in (6, 7) else meetings["second"]
                _resolve(case, held, i, mishu, renshe, departments, today)
    return {"logins": rows, "cases": len(cases), "meetings": len(meetings)}


def _pick_households(by_household: dict, users: dict) -> list[int]:
    """One 东区 household per summary, with an open need of its domain. A small demo city may have
    no such need left for a domain: then a household of the town without one gets it recorded, as
    the worker who met the family would have (so every size of demo has its joint cases)."""
    from assistance.choices import NeedSource
    from assistance.services import need_record
    from households.models import Household

    picks, used = [], set()
    for i, domain in enumerate(SUMMARY_DOMAINS):
        # 花苑 households first: the community worker escalates, the town endorses.
        candidates = sorted(
            (h for h, ns in by_household.items() if h not in used and any(n.domain == domain for n in ns)),
            key=lambda h: (by_household[h][0].household.community.name != "花苑社区", h),
        )
        if not candidates:
            household = (
                Household.objects.filter(town__name="东区街道", status="active")
                .exclude(pk__in=used)
                .select_related("community")
                .order_by("pk")
                .first()
            )
            if household is None:
                break  # a tiny demo town: as many cases as it has households
            author = users["huayuan"] if household.community.name == "花苑社区" else users["dongqu"]
            need = need_record(
                user=author,
                household=household,
                domain=domain,
                description=SUMMARIES[i].split("，")[0],
                source=NeedSource.VISIT,
            )
            by_household.setdefault(household.pk, []).append(need)
            candidates = [household.pk]
        picks.append(candidates[0])
        used.add(candidates[0])
    return picks


def _meetings(mishu, departments, today):
    all_codes = list(ACTIONS)
    specs = {
        "first": ("2026年第1次联席会议", today - dt.timedelta(days=70)),
        "second": ("2026年第2次联席会议", today - dt.timedelta(days=21)),
        "next": ("2026年第3次联席会议", today + dt.timedelta(days=10)),
        "cancelled": ("2026年专题协调会（取消）", today + dt.timedelta(days=3)),
    }
    meetings = {}
    for key, (title, held_on) in specs.items():
        meeting = services.meeting_create(
            user=mishu,
            title=title,
            held_on=held_on,
            place="市民政局三楼会议室",
            departments=[departments[code] for code in all_codes],
            attendees="市民政局 副局长（主持）\n市人社局 就业促进科科长\n市住建局 村镇建设科科长\n市卫健局、市医保局、市残联、市教体局联络员",
        )
        meetings[key] = meeting
    for key in ("first", "second"):
        services.meeting_transition(meeting=meetings[key], to=c.MeetingStatus.HELD, user=mishu)
        Meeting.objects.filter(pk=meetings[key].pk).update(
            minutes=(
                "会议听取了各镇街提交的困难个案情况汇报，逐案研究了帮扶措施。\n"
                "会议要求：各成员单位按照“应帮尽帮、应救尽救”的原则，在期限内落实决议事项，"
                "并及时向联席会议办公室报告进展；逾期未落实的，由办公室督办。"
            )
        )
    services.meeting_transition(meeting=meetings["cancelled"], to=c.MeetingStatus.CANCELLED, user=mishu)
    return meetings


def _resolve(case, meeting, i, mishu, renshe, departments, today):
    # The agenda was set before the meeting was held: reopen it for the step, as it was then.
    Meeting.objects.filter(pk=meeting.pk).update(status=c.MeetingStatus.SCHEDULED)
    meeting.refresh_from_db()
    services.case_schedule(case=case, meeting=meeting, user=mishu)
    Meeting.objects.filter(pk=meeting.pk).update(status=c.MeetingStatus.HELD)
    meeting.refresh_from_db()
    case.refresh_from_db()
    codes = [
        ["hr_social_security", "medical_insurance", "health"],
        ["housing", "civil_affairs"],
        ["hr_social_security", "disabled_federation"],
        ["education", "hr_social_security"],
    ][i - 4]
    tasks = []
    for n, code in enumerate(codes):
        task = services.task_add(
            case=case, user=mishu, department=departments[code], action=ACTIONS[code][0], deadline=today
        )
        # Deadlines as the meeting set them: some already passed (overdue), some ahead.
        deadline = (
            meeting.held_on + dt.timedelta(days=14 + 15 * n)
            if i in (4, 6, 7)
            else today + dt.timedelta(days=20 + 10 * n)
        )
        ResolutionTask.objects.filter(pk=task.pk).update(
            deadline=deadline, created_at=timezone.now() - (today - meeting.held_on)
        )
        task.refresh_from_db()
        tasks.append(task)
    if i == 4:  # resolving, one overdue (人社, no report), one in progress, one done
        services.task_report(
            task=tasks[1], user=mishu, text="已受理医疗救助申请，正在审核。", status=c.TaskStatus.IN_PROGRESS
        )
        services.task_report(
            task=tasks[2], user=mishu, text="家庭医生已签约，每周上门一次。", status=c.TaskStatus.DONE
        )
    elif i == 5:  # resolving, the liaison reported progress
        services.task_report(
            task=tasks[0],
            user=mishu,
            text="已列入危房改造计划，正在设计方案。",
            status=c.TaskStatus.IN_PROGRESS,
        )
    elif i == 6:  # all done: the case closes and its needs are met
        services.task_report(
            task=tasks[0],
            user=renshe,
            text="已安排公益性岗位（社区保洁），本人已上岗。",
            status=c.TaskStatus.DONE,
        )
        services.task_report(
            task=tasks[1], user=mishu, text="护理补贴已发放，轮椅已配送。", status=c.TaskStatus.DONE
        )
    elif i == 7:  # one task cannot be done: the case closes, its needs closed unmet
        services.task_report(
            task=tasks[0],
            user=mishu,
            text="本人拒绝复学，已安排课后辅导资源备用。",
            status=c.TaskStatus.UNABLE,
        )
        services.task_report(
            task=tasks[1], user=renshe, text="已推荐参加电工技能培训，本人已报名。", status=c.TaskStatus.DONE
        )
