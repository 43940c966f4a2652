"""Enumerations of screening: stable English codes stored, Chinese labels shown."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Group(models.TextChoices):
    """The seven groups (domain.md section 2). The codes are fixed: code, API and exports use them."""

    STUDENT = "student", _("在读困难学生（因贫辍学人员）")
    UNEMPLOYED = "unemployed", _("适龄未就业困难对象")
    DISABLED_ILL = "disabled_ill", _("重残重病人员")
    ELDERLY = "elderly", _("特殊困难老年人")
    CHILD = "child", _("困境儿童")
    HOUSING = "housing", _("住房困难家庭")
    VAGRANT = "vagrant", _("流浪乞讨人员")


GROUP_SHORT = {
    Group.STUDENT: _("困难学生"),
    Group.UNEMPLOYED: _("未就业"),
    Group.DISABLED_ILL: _("重残重病"),
    Group.ELDERLY: _("特困老人"),
    Group.CHILD: _("困境儿童"),
    Group.HOUSING: _("住房困难"),
    Group.VAGRANT: _("流浪乞讨"),
}


class Tier(models.TextChoices):
    NORMAL = "", _("一般")
    HIGH_RISK = "high_risk", _("高风险")
    DROPOUT = "dropout", _("辍学预警")


class Verdict(models.TextChoices):
    CONFIRM = "confirm", _("确认")
    REJECT = "reject", _("否定")


class TaskKind(models.TextChoices):
    """Kinds of core.Task that screening creates (Task.kind is free text shared by all apps)."""

    GAINED = "screening_gained", _("新纳入分类")
    LOST = "screening_lost", _("退出分类")
    TIER = "screening_tier", _("风险等级提升")
    REVIEW = "screening_review", _("人工认定需重新核定")
    BASELINE = "screening_baseline", _("首次筛查核实")
    STATUS_END = "status_end", _("终止救助状态")
    ALERT = "alert_verify", _("预警核实")
    VISIT_OVERDUE = "visit_overdue", _("探访逾期")  # visits/services.py visit_reminders
    PLAN_ACTION_OVERDUE = "plan_action_overdue", _("关爱方案措施逾期")  # assistance plan_reminders
    PLAN_REVIEW_DUE = "plan_review_due", _("关爱方案到期评估")  # assistance plan_reminders
    TENURE_DUE = "placement_tenure_due", _("公益性岗位即将期满")  # employment tenure_reminders
    TENURE_REACHED = "placement_tenure_reached", _("公益性岗位任职期满")  # employment tenure_reminders


class AlertKind(models.TextChoices):
    MEDICAL_BILL = "medical_bill", _("大额医疗支出")
    SEVERE_DISABILITY = "severe_disability", _("新增重度残疾")
    JOB_LOSS = "job_loss", _("失业")
    DEATH = "death", _("死亡")
    DROPOUT = "dropout", _("辍学")
    DISASTER = "disaster", _("遭遇灾害")
    INCARCERATION = "incarceration", _("服刑羁押")
    INCOME_DROP = "income_drop", _("收入骤降")


class AlertStatus(models.TextChoices):
    PENDING = "pending", _("待核实")
    VERIFIED = "verified", _("已核实待处置")
    HANDLED = "handled", _("已处置")
    CLOSED = "closed", _("已关闭")


OPEN_ALERT_STATUSES = {AlertStatus.PENDING, AlertStatus.VERIFIED}


class VerifyMethod(models.TextChoices):
    VISIT = "visit", _("入户核实")
    PHONE = "phone", _("电话核实")


class AlertOutcome(models.TextChoices):
    ADMITTED = "admitted", _("纳入救助")
    TEMPORARY = "temporary", _("临时救助")
    REFERRED = "referred", _("转介")
    CLOSED = "closed", _("关闭")


class AlertSource(models.TextChoices):
    IMPORT = "import", _("部门推送导入")
    MANUAL = "manual", _("人工录入")


class VagrantSource(models.TextChoices):
    RELIEF_STATION = "relief_station", _("救助管理站")
    OUTREACH = "outreach", _("街面巡查")


class TracingStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未开始寻亲")
    TRACING = "tracing", _("寻亲中")
    FOUND = "found", _("已找到亲属")
    NOT_FOUND = "not_found", _("未找到亲属")


class VagrantOutcome(models.TextChoices):
    IN_STATION = "in_station", _("站内救助中")
    RETURNED = "returned", _("护送返乡")
    PLACED = "placed", _("安置")
    LEFT = "left", _("自行离站")


class VagrantStatus(models.TextChoices):
    OPEN = "open", _("救助中")
    CLOSED = "closed", _("已结案")
