"""Forms of the team, pairing, visit and activity pages. Choices are scoped through restrict()."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from assistance.choices import NeedDomain
from core.concurrency import VersionedFormMixin
from core.scoping import CHANGE
from households.models import Division, Household, Person

from . import choices as c
from .models import Activity, Team, TeamMember, Visit

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _users_in_area(user, *roles):
    from accounts.models import User

    divisions = Division.objects.restrict(user)
    users = User.objects.filter(is_active=True, role__in=roles)
    return users if user.sees_whole_city else users.filter(division__in=divisions)


class TeamForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "division", "team_type", "responsible", "is_active"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = Division.objects.restrict(user).filter(
            level__in=["town", "community"]
        )
        self.fields["division"].label_from_instance = lambda d: d.full_name
        staff = _users_in_area(user, Role.TOWN_WORKER, Role.COMMUNITY_WORKER, Role.ADMIN)
        self.fields["responsible"].queryset = staff
        self.fields["responsible"].label_from_instance = lambda u: u.get_full_name() or u.username


class MemberForm(VersionedFormMixin, forms.ModelForm):
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)

    class Meta:
        model = TeamMember
        fields = ["name", "member_type", "phone", "user", "is_active"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _users_in_area(user, Role.VOLUNTEER)
        self.fields["user"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["user"].help_text = _("队员使用手机填写探访记录时需关联“探访志愿者”账号。")
        if self.instance.pk:
            self.fields["phone"].help_text = _("当前：%s；留空表示不修改。") % (
                self.instance.phone_masked or "—"
            )

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and not (phone.replace("-", "").isdigit() and 7 <= len(phone) <= 20):
            raise forms.ValidationError(_("请填写正确的电话号码。"))
        return phone


def _pairable(user, team):
    """Households in the team's area that need visits and have no open pairing (the unpaired list)."""
    from households.choices import RecordStatus

    from .schedule import frequencies_in_force, open_pairing_q, required_q

    return (
        Household.objects.restrict(user, CHANGE)
        .filter(community__path__startswith=team.division.path, status=RecordStatus.ACTIVE)
        .filter(required_q(frequencies_in_force(dt.date.today())))
        .filter(~open_pairing_q())
        .prefetch_related("members")
        .order_by("address")
    )


class PairingForm(forms.Form):
    """From the household page (choose a team) or the team page (choose a household)."""

    team = forms.ModelChoiceField(label=_("队伍"), queryset=Team.objects.none())
    household = forms.ModelChoiceField(label=_("家庭"), queryset=Household.objects.none())
    member = forms.ModelChoiceField(
        label=_("结对队员"), queryset=TeamMember.objects.none(), required=False, empty_label=_("整支队伍")
    )
    started_on = forms.DateField(label=_("结对日期"), initial=dt.date.today, widget=DATE)

    def __init__(self, *args, user=None, team=None, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        if team is not None:
            del self.fields["team"]
            self.fields["member"].queryset = team.members.filter(is_active=True)
            self.fields["household"].queryset = _pairable(user, team)
            self.fields["household"].label_from_instance = lambda h: f"{h} · {h.address}"
        if household is not None:
            del self.fields["household"]
            self.fields["team"].queryset = Team.objects.restrict(user, CHANGE).filter(
                is_active=True, division__in=[household.community_id, household.town_id]
            )
            self.fields["member"].queryset = TeamMember.objects.restrict(user, CHANGE).filter(
                is_active=True, team__division__in=[household.community_id, household.town_id]
            )
            self.fields["member"].label_from_instance = lambda m: f"{m.team} · {m.name}"

    def clean(self):
        data = super().clean()
        member, team = data.get("member"), data.get("team")
        if member and team and member.team_id != team.pk:
            self.add_error("member", _("该队员不属于所选队伍。"))
        return data


class PairingEndForm(forms.Form):
    ended_on = forms.DateField(label=_("结束日期"), initial=dt.date.today, widget=DATE)
    end_reason = forms.CharField(label=_("结束原因"), max_length=200)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class _VisitFields(forms.ModelForm):
    services = forms.MultipleChoiceField(
        label=_("服务内容"),
        choices=c.Service.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[c.Service.CONDOLENCE],
    )
    carers_ok = forms.NullBooleanField(
        label=_("赡养/监护人尽责"),
        required=False,
        widget=forms.Select(choices=[("unknown", _("不适用/未了解")), ("true", _("是")), ("false", _("否"))]),
    )


class VisitForm(VersionedFormMixin, _VisitFields):
    create_need = forms.BooleanField(label=_("将发现的问题登记为需求"), required=False)
    need_domain = forms.ChoiceField(label=_("需求领域"), choices=NeedDomain.choices, required=False)
    reason = forms.CharField(
        label=_("修改原因"), max_length=200, required=False, help_text=_("记录超过7天后修改须填写。")
    )

    class Meta:
        model = Visit
        fields = [
            "visited_on",
            "method",
            "team",
            "members",
            "services",
            "health",
            "electricity",
            "gas",
            "fire",
            "carers_ok",
            "problems",
            "next_due_on",
            "notes",
        ]
        widgets = {
            "visited_on": DATE,
            "next_due_on": DATE,
            "method": forms.RadioSelect,
            "members": forms.CheckboxSelectMultiple,
            "problems": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        household = household or self.instance.household
        teams = Team.objects.filter(pairings__household=household).distinct()
        self.fields["team"].queryset = teams
        self.fields["team"].initial = teams.first()
        self.fields["method"].choices = c.VisitMethod.choices
        self.fields["method"].initial = c.VisitMethod.HOME
        self.fields["members"].queryset = TeamMember.objects.filter(team__in=teams, is_active=True)
        self.fields["visited_on"].initial = dt.date.today
        if self.instance.pk:
            self.fields["services"].initial = self.instance.service_codes
            del self.fields["create_need"], self.fields["need_domain"]
        else:
            del self.fields["reason"]

    def clean_visited_on(self):
        return _not_future(self.cleaned_data["visited_on"])


def _not_future(day):
    if day and day > dt.date.today():
        raise forms.ValidationError(_("探访日期不能晚于今天。"))
    return day


class PhoneVisitForm(forms.Form):
    """The volunteer's phone form: the common case (home visit, 探访慰问, all safe) is the default,
    so saving it is one tap. ``key`` is the draft's idempotency key (static/js/visit_draft.js)."""

    key = forms.RegexField(regex=r"^[A-Za-z0-9-]{8,64}$", widget=forms.HiddenInput, required=False)
    visited_on = forms.DateField(label=_("探访日期"), initial=dt.date.today, widget=DATE)
    method = forms.ChoiceField(
        label=_("方式"), choices=c.VisitMethod.choices, initial=c.VisitMethod.HOME, widget=forms.RadioSelect
    )
    services = forms.MultipleChoiceField(
        label=_("做了什么"),
        choices=c.Service.choices,
        initial=[c.Service.CONDOLENCE],
        widget=forms.CheckboxSelectMultiple,
    )
    health = forms.ChoiceField(
        label=_("身体情况"), choices=c.Health.choices, initial=c.Health.GOOD, widget=forms.RadioSelect
    )
    all_safe = forms.BooleanField(label=_("用电、燃气、消防都安全"), required=False, initial=True)
    problems = forms.CharField(
        label=_("发现的问题（没有可不填）"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    needs_help = forms.BooleanField(label=_("需要社区跟进帮助"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_visited_on(self):
        return _not_future(self.cleaned_data["visited_on"])

    def visit_fields(self) -> dict:
        data = self.cleaned_data
        check = c.Check.SAFE if data["all_safe"] else c.Check.HAZARD
        return {
            "visited_on": data["visited_on"],
            "method": data["method"],
            "health": data["health"],
            "electricity": check,
            "gas": check,
            "fire": check,
        }


class ActivityForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Activity
        fields = [
            "title",
            "kind",
            "held_on",
            "place",
            "community",
            "organiser_team",
            "organiser_provider",
            "participants",
            "other_count",
            "note",
        ]
        widgets = {
            "held_on": DATE,
            "note": forms.Textarea(attrs={"rows": 3}),
            "participants": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Division.objects.restrict(user).filter(level="community")
        self.fields["community"].label_from_instance = lambda d: d.full_name
        self.fields["organiser_team"].queryset = Team.objects.restrict(user).filter(is_active=True)
        if self.instance.pk:
            self.fields["participants"].queryset = (
                Person.objects.restrict(user)
                .filter(household__community=self.instance.community, group_decisions__active=True)
                .distinct()
            )
            self.fields["participants"].label_from_instance = lambda p: p.name
            self.fields["participants"].help_text = _("本社区的分类对象（按住 Ctrl 可多选）。")
        else:
            del self.fields["participants"]
