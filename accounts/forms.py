from django import forms
from django.utils.translation import gettext_lazy as _

from households.models import Division

from .models import User


class DivisionChoiceField(forms.ModelChoiceField):
    """The division picker: every town, community and grid, named by its full path."""

    def __init__(self, **kwargs):
        queryset = (
            Division.objects.exclude(level="city")
            .filter(is_active=True)
            .select_related("parent__parent__parent")
        )
        super().__init__(queryset=queryset.order_by("path"), **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.full_name}（{obj.get_level_display()}）"


def department_queryset():
    from meetings.models import Department  # the joint meeting's member units

    return Department.objects.filter(is_active=True)


class UserForm(forms.ModelForm):
    division = DivisionChoiceField(
        label=_("所属区域"),
        required=False,
        empty_label=_("全市（市级角色）"),
        help_text=_("镇街工作人员选镇街，村（社区）工作人员选村（社区）或网格；市级角色可留空。"),
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "role", "division", "phone", "email"]
        labels = {"username": _("登录名"), "first_name": _("姓名"), "email": _("电子邮箱")}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["username"]  # a login name is kept for the whole life of the account
        else:
            self.fields["username"].help_text = _("字母、数字及 @/./+/-/_，创建后不能修改。")
            self.fields["password1"] = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput)
            self.fields["password2"] = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput)
        self.fields["first_name"].required = True
        # Placed right after the role: only a department liaison has one.
        self.fields["department"] = forms.ModelChoiceField(
            label=_("所属部门"),
            queryset=department_queryset(),
            required=False,
            empty_label=_("—（仅部门联络员填写）"),
            help_text=_("部门联络员必须选择所代表的联席会议成员单位；其他角色留空。"),
            initial=self.instance.liaison_department if self.instance.pk else None,
        )
        names = list(self.fields)
        names.remove("department")
        names.insert(names.index("role") + 1, "department")
        self.fields = {name: self.fields[name] for name in names}

    def _post_clean(self):
        pass  # the service validates the model (and the password) once, with Chinese messages

    def clean(self):
        data = super().clean()
        if "password1" in self.fields and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


class PasswordResetForm(forms.Form):
    password1 = forms.CharField(label=_("新密码"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("确认新密码"), widget=forms.PasswordInput)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data
