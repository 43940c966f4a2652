"""Summary rows: the registry's counts per community, kept up to date by the writers.

Pages that show counts (home, groups, and the managers' dashboards of issue #14) read these rows
instead of counting a million people. Each household's part of the rows is kept too
(``PersonTallyShare``, ``HouseholdTallyShare``): a write recomputes the parts of the households it
touched and adds the difference to the rows (``stats.services``, inside the writer's transaction),
so an edit costs its household, not its community. ``rebuild_stats`` recomputes everything.
Read the rows through ``stats.selectors`` only.

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
    # Plain integers (no CHECK >= 0): writers add signed differences with one upsert, and
    # PostgreSQL checks the proposed row (the difference itself) before it sees the conflict.
    persons = models.IntegerField(_("人数"), default=0)
    households = models.IntegerField(_("户数"), default=0)
    review = models.IntegerField(_("待核查人数"), default=0)

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
    households = models.IntegerField(_("户数"), default=0)

    class Meta:
        verbose_name = _("家庭统计")
        verbose_name_plural = _("家庭统计")
        constraints = [
            models.UniqueConstraint(fields=["community", "status"], name="stats_household_tally_key")
        ]
        indexes = [models.Index(fields=["town", "status"], name="stats_household_tally_town")]

    def __str__(self):
        return f"{self.community_id} {self.status}: {self.households}"


class PersonTallyShare(models.Model):
    """One household's part of one ``PersonTally`` row: its persons in that cell (the row's
    ``households`` counts one per share). The row equals the sum of its shares; a write replaces
    the shares of the households it touched and adds new minus old to the rows."""

    household = models.ForeignKey(
        "households.Household", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    town = models.ForeignKey(
        "households.Division", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    community = models.ForeignKey(
        "households.Division", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    group = models.CharField(_("分类"), max_length=16, blank=True)
    kind = models.CharField(_("救助类型"), max_length=24, blank=True)
    person_status = models.CharField(_("人员状态"), max_length=16)
    persons = models.IntegerField(_("人数"), default=0)
    review = models.IntegerField(_("待核查人数"), default=0)

    class Meta:
        verbose_name = _("人员统计（每户）")
        verbose_name_plural = _("人员统计（每户）")
        # The recount of a community replaces its shares.
        indexes = [models.Index(fields=["community"], name="stats_person_share_community")]

    def __str__(self):
        return (
            f"{self.household_id} {self.group or '*'} {self.kind or '*'} {self.person_status}: {self.persons}"
        )


class HouseholdTallyShare(models.Model):
    """Where a household was last counted in ``HouseholdTally`` (community, status): after a
    move or an archiving the old row loses it and the new one gains it."""

    household = models.OneToOneField(
        "households.Household",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        primary_key=True,
    )
    town = models.ForeignKey(
        "households.Division", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    community = models.ForeignKey("households.Division", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("状态"), max_length=16)

    class Meta:
        verbose_name = _("家庭统计（每户）")
        verbose_name_plural = _("家庭统计（每户）")

    def __str__(self):
        return f"{self.household_id} {self.community_id} {self.status}"


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


class MonthlyTally(models.Model):
    """Flows of one community in one calendar month (local time), for the managers' dashboards
    (issue #14): ``metric`` names what is counted, ``key`` splits it (a service, a group, the
    days a need took to be met), ``n`` is the count. Kept by ``stats.monthly`` inside the writers'
    transactions; rebuilt by ``rebuild_stats``. Towns and the city are sums of communities."""

    town = models.ForeignKey(
        "households.Division", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    community = models.ForeignKey(
        "households.Division", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField(_("月份"))  # the month's first day
    metric = models.CharField(_("指标"), max_length=24)
    key = models.CharField(_("细分"), max_length=24, blank=True)
    n = models.BigIntegerField(_("数量"), default=0)

    class Meta:
        verbose_name = _("月度统计")
        verbose_name_plural = _("月度统计")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "metric", "month", "key"], name="stats_monthly_tally_key"
            )
        ]
        indexes = [
            models.Index(fields=["metric", "month"], name="stats_monthly_city"),
            models.Index(fields=["town", "metric", "month"], name="stats_monthly_town"),
        ]

    def __str__(self):
        return f"{self.community_id} {self.month:%Y-%m} {self.metric} {self.key or '*'}: {self.n}"


class GroupStock(models.Model):
    """Persons and households in each group of one community (``group`` "" = in any group, each
    person and household once). ``month`` empty: now; else as of that month's last day (the
    month-end snapshot the monthly report reads, written on the 1st and by ``rebuild_stats``)."""

    town = models.ForeignKey(
        "households.Division", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    community = models.ForeignKey(
        "households.Division", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField(_("月份"), null=True, blank=True)
    group = models.CharField(_("分类"), max_length=16, blank=True)
    persons = models.PositiveIntegerField(_("人数"), default=0)
    households = models.PositiveIntegerField(_("户数"), default=0)

    class Meta:
        verbose_name = _("分类对象存量")
        verbose_name_plural = _("分类对象存量")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "month", "group"],
                condition=models.Q(month__isnull=False),
                name="stats_group_stock_month_key",
            ),
            models.UniqueConstraint(
                fields=["community", "group"],
                condition=models.Q(month__isnull=True),
                name="stats_group_stock_now_key",
            ),
        ]
        indexes = [
            models.Index(fields=["month", "group"], name="stats_group_stock_city"),
            models.Index(fields=["town", "month"], name="stats_group_stock_town"),
        ]

    def __str__(self):
        return f"{self.community_id} {self.month or 'now'} {self.group or '*'}: {self.persons}"


class UptakeTally(models.Model):
    """Recommendations (幸福清单推送) of one community per catalog item and funnel status, for the
    dashboards' uptake figures and /push/uptake/. A recommendation counts in the community of its
    household now. Kept by ``stats.uptake``: a push recounts the communities it touched (every
    one after a full push), a funnel step adds -1/+1, a household that moves recounts both
    communities; ``rebuild_stats`` recounts everything. Towns and the city are sums."""

    town = models.ForeignKey(
        "households.Division", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    community = models.ForeignKey(
        "households.Division", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    item = models.ForeignKey(
        "assistance.CatalogItem", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    status = models.CharField(_("状态"), max_length=16)
    # Signed, as in PersonTally: a step adds -1 to one row and +1 to another with one upsert.
    n = models.IntegerField(_("数量"), default=0)

    class Meta:
        verbose_name = _("推送落实统计")
        verbose_name_plural = _("推送落实统计")
        constraints = [
            models.UniqueConstraint(fields=["community", "item", "status"], name="stats_uptake_tally_key")
        ]
        indexes = [models.Index(fields=["town", "item"], name="stats_uptake_tally_town")]

    def __str__(self):
        return f"{self.community_id} {self.item_id} {self.status}: {self.n}"
