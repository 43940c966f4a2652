"""Enumerations of the registry: stable English codes stored, Chinese labels shown."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DivisionLevel(models.TextChoices):
    CITY = "city", _("市")
    TOWN = "town", _("镇街")
    COMMUNITY = "community", _("村（社区）")
    GRID = "grid", _("网格")


class RecordStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    ARCHIVED = "archived", _("已归档")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    EXITED = "exited", _("已退出（待核查）")
    DECEASED = "deceased", _("已死亡")
    ARCHIVED = "archived", _("已归档")


# Persons who no longer count as members (a household may have a new head beside them).
INACTIVE_PERSON_STATUSES = ("archived", "deceased")


class Housing(models.TextChoices):
    OWNED = "owned", _("自有住房")
    RENTED = "rented", _("租住")
    PUBLIC_RENTAL = "public_rental", _("公租房")
    BORROWED = "borrowed", _("借住")
    NONE = "none", _("无房")
    DANGEROUS = "dangerous", _("危房")


class SafetyGrade(models.TextChoices):
    A = "A", _("A级（安全）")
    B = "B", _("B级")
    C = "C", _("C级（局部危险）")
    D = "D", _("D级（整幢危房）")


class Sex(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    SON = "son", _("儿子")
    DAUGHTER = "daughter", _("女儿")
    DAUGHTER_IN_LAW = "daughter_in_law", _("儿媳")
    SON_IN_LAW = "son_in_law", _("女婿")
    GRANDCHILD = "grandchild", _("孙子女")
    PARENT = "parent", _("父母")
    GRANDPARENT = "grandparent", _("祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class DisabilityCategory(models.TextChoices):
    VISUAL = "visual", _("视力")
    HEARING = "hearing", _("听力")
    SPEECH = "speech", _("言语")
    PHYSICAL = "physical", _("肢体")
    INTELLECTUAL = "intellectual", _("智力")
    MENTAL = "mental", _("精神")
    MULTIPLE = "multiple", _("多重")


class DisabilityGrade(models.IntegerChoices):
    ONE = 1, _("一级")
    TWO = 2, _("二级")
    THREE = 3, _("三级")
    FOUR = 4, _("四级")


class CareLevel(models.TextChoices):
    INDEPENDENT = "independent", _("能力完好")
    MILD = "mild", _("轻度失能")
    MODERATE = "moderate", _("中度失能")
    SEVERE = "severe", _("重度失能")
    TOTAL = "total", _("完全失能")


class LaborCapacity(models.TextChoices):
    FULL = "full", _("有劳动能力")
    PARTIAL = "partial", _("部分丧失劳动能力")
    NONE = "none", _("完全丧失劳动能力")


class Employment(models.TextChoices):
    EMPLOYED = "employed", _("在业")
    FLEXIBLE = "flexible", _("灵活就业")
    FARMING = "farming", _("务农")
    UNEMPLOYED = "unemployed", _("失业")
    NEVER_EMPLOYED = "never_employed", _("未就业")
    STUDENT = "student", _("在校生")
    RETIRED = "retired", _("退休")


class SchoolStage(models.TextChoices):
    PRESCHOOL = "preschool", _("学前")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    VOCATIONAL = "vocational", _("中职")
    HIGHER_VOCATIONAL = "higher_vocational", _("高职（大专）")
    BACHELOR = "bachelor", _("本科")
    POSTGRADUATE = "postgraduate", _("研究生")
    DROPPED_OUT = "dropped_out", _("辍学")
    NOT_ENROLLED = "not_enrolled", _("未入学")


ENROLLED_STAGES = {
    SchoolStage.PRESCHOOL,
    SchoolStage.PRIMARY,
    SchoolStage.JUNIOR,
    SchoolStage.SENIOR,
    SchoolStage.VOCATIONAL,
    SchoolStage.HIGHER_VOCATIONAL,
    SchoolStage.BACHELOR,
}


class LivingArrangement(models.TextChoices):
    ALONE = "alone", _("独居")
    EMPTY_NEST = "empty_nest", _("空巢")
    LEFT_BEHIND = "left_behind", _("留守")
    WITH_SPOUSE = "with_spouse", _("与配偶同住")
    WITH_CHILDREN = "with_children", _("与子女同住")
    INSTITUTION = "institution", _("机构供养")


class ParentSituation(models.TextChoices):
    """One parent's situation, for the 事实无人抚养儿童 rule (domain.md section 2)."""

    NORMAL = "normal", _("正常")
    DEAD = "dead", _("死亡")
    DECLARED_MISSING = "declared_missing", _("宣告失踪")
    SEVERE_DISABILITY = "severe_disability", _("重残")
    SERIOUS_ILLNESS = "serious_illness", _("重病")
    IMPRISONED = "imprisoned", _("服刑在押")
    COMPULSORY_REHAB = "compulsory_rehab", _("强制隔离戒毒")
    RESTRICTED_FREEDOM = "restricted_freedom", _("被限制人身自由")
    MISSING_CONTACT = "missing_contact", _("失联")
    GUARDIANSHIP_REVOKED = "guardianship_revoked", _("被撤销监护资格")
    DEPORTED = "deported", _("遣送出境")


# Situations that leave a parent unable to raise the child (事实无人抚养 set).
INCAPACITATED_PARENT = {
    ParentSituation.SEVERE_DISABILITY,
    ParentSituation.SERIOUS_ILLNESS,
    ParentSituation.IMPRISONED,
    ParentSituation.COMPULSORY_REHAB,
    ParentSituation.RESTRICTED_FREEDOM,
    ParentSituation.MISSING_CONTACT,
    ParentSituation.GUARDIANSHIP_REVOKED,
    ParentSituation.DEPORTED,
}
ABSENT_PARENT = {ParentSituation.DEAD, ParentSituation.DECLARED_MISSING}


class Guardianship(models.TextChoices):
    PROPER = "proper", _("监护正常")
    MISSING = "missing", _("监护缺失")
    IMPROPER = "improper", _("监护不当")


class AssistanceKind(models.TextChoices):
    DIBAO = "dibao", _("最低生活保障（低保）")
    TEKUN = "tekun", _("特困人员供养")
    DIBIAN = "dibian", _("低保边缘家庭（低边）")
    RIGID_EXPENSE = "rigid_expense", _("刚性支出困难家庭")
    TEMPORARY = "temporary", _("临时救助")
    ORPHAN = "orphan", _("孤儿")
    DE_FACTO_ORPHAN = "de_facto_orphan", _("事实无人抚养儿童")
    DISABILITY_LIVING = "disability_living", _("困难残疾人生活补贴")
    DISABILITY_CARE = "disability_care", _("重度残疾人护理补贴")


LOW_INCOME_KINDS = {
    AssistanceKind.DIBAO,
    AssistanceKind.TEKUN,
    AssistanceKind.DIBIAN,
    AssistanceKind.RIGID_EXPENSE,
}


class AssistanceSource(models.TextChoices):
    SOCIAL_ASSISTANCE = "social_assistance", _("广东省社会救助服务平台")
    LOW_INCOME_MONITORING = "low_income_monitoring", _("广东省低收入人口动态监测管理系统")
    SMART_CIVIL = "smart_civil_affairs", _("中山市智慧民政")
    MANUAL = "manual", _("人工录入")


# A person's circumstances: the registry fields staff and rosters record and the screening rules
# read (households.services, imports.pipeline and assessments.rules all take this one list).
CIRCUMSTANCE_FIELDS = (
    "disability_category",
    "disability_grade",
    "serious_illness",
    "care_level",
    "labor_capacity",
    "employment",
    "school_stage",
    "living_arrangement",
    "special_family",
    "father_situation",
    "mother_situation",
    "guardianship",
)
