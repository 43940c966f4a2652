"""Summary rows: the registry's counts per community, kept up to date by the writers.

Pages that show counts (home, groups, and the managers' dashboards of issue #14) read these rows
instead of counting a million people. ``stats.services`` recomputes the rows of the communities a
change touched, set-based and inside the writer's transaction; ``rebuild_stats`` recomputes all.
Read them through ``stats.selectors`` only.

A row is one community; towns and the city are sums of their communities' rows (every person and
household is in exactly one community, so sums are exact, also for distinct households within one
``person_status``).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

ANY = ""  # group or kind: every person, whatever their groups or assistance statuses


class PersonTally(models.Model):
    """Persons (and their distinct households) of one community, person status, group and
    current assistance kind. ``group`` = "" counts everyone regardless of group, ``kind`` = ""
    regardless of assistance; ("", "") is the community's whole registry of that status.
    ``review``: how many of those persons are marked for review (待核查)."""

    town = models.ForeignKey(
        "households.Division", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    community = models.ForeignKey(
        "households.Division", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    group = models.CharField(_("分类"), max_length=16, blank=True)
    kind = models.CharField(_("救助类型"), max_length=24, blank=True)
    person_status = models.CharField(_("人员状态"), max_length=16)
    persons = models.PositiveIntegerField(_("人数"), default=0)
    households = models.PositiveIntegerField(_("户数"), default=0)
    review = models.PositiveIntegerField(_("待核查人数"), default=0)

    class Meta:
        verbose_name = _("人员统计")
        verbose_name_plural = _("人员统计")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "group", "kind", "person_status"], name="stats_person_tally_key"
            )
        ]
        indexes = [
            models.Index(fields=["group", "kind", "person_status"], name="stats_person_tally_city"),
            models.Index(fields=["town", "group", "kind"], name="stats_person_tally_town"),
        ]

    def __str__(self):
        return (
            f"{self.community_id} {self.group or '*'} {self.kind or '*'} {self.person_status}: {self.persons}"
        )


class HouseholdTally(models.Model):
    """Households of one community by record status (active / archived)."""

    town = models.ForeignKey(
        "households.Division", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    community = models.ForeignKey(
        "households.Division", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    status = models.CharField(_("状态"), max_length=16)
    households = models.PositiveIntegerField(_("户数"), default=0)

    class Meta:
        verbose_name = _("家庭统计")
        verbose_name_plural = _("家庭统计")
        constraints = [
            models.UniqueConstraint(fields=["community", "status"], name="stats_household_tally_key")
        ]
        indexes = [models.Index(fields=["town", "status"], name="stats_household_tally_town")]

    def __str__(self):
        return f"{self.community_id} {self.status}: {self.households}"


class TallyRun(models.Model):
    """When the rows were last recomputed in full (the nightly sweep, ``rebuild_stats``): counts
    of assistance statuses follow the calendar (a status that ends tonight), so they are as of
    the ``on`` date of the last full run or the later partial ones."""

    on = models.DateField(_("统计基准日"))
    communities = models.PositiveIntegerField(_("社区数"), default=0)
    seconds = models.FloatField(_("用时（秒）"), default=0)
    finished_at = models.DateTimeField(_("完成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("统计重算记录")
        verbose_name_plural = _("统计重算记录")
        ordering = ["-finished_at", "-id"]

    def __str__(self):
        return f"{self.on}: {self.communities}"
