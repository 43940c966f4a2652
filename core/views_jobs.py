"""Background job pages: a list, a detail page and the progress partial that htmx polls."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView

from . import jobs
from .models import Job


class JobQuerysetMixin:
    def get_queryset(self):
        return Job.objects.restrict(self.request.user).select_related("created_by")


class JobListView(JobQuerysetMixin, ListView):
    """All jobs, or (?show=problems) the failed and the stuck ones an admin may retry or cancel."""

    model = Job
    template_name = "core/job_list.html"
    paginate_by = 25

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.GET.get("show") == "problems":
            queryset = queryset.filter(
                Q(status__in=(Job.Status.FAILED, Job.Status.CANCELLED)) | jobs.stale_q()
            )
        return queryset

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            show=self.request.GET.get("show", ""),
            stuck_count=Job.objects.restrict(self.request.user).filter(jobs.stale_q()).count(),
            **kwargs,
        )


class JobActionView(JobQuerysetMixin, View):
    """POST: an admin retries or cancels a job (core/jobs.py decides which jobs may be)."""

    http_method_names = ["post"]
    action = "retry"

    def post(self, request, pk):
        if not getattr(request.user, "is_city_admin", False):
            raise Http404
        job = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            if self.action == "retry":
                jobs.job_retry(job=job, user=request.user)
                messages.success(request, _("任务已重新排队。"))
            else:
                jobs.job_cancel(job=job, user=request.user)
                messages.success(request, _("任务已取消。"))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(reverse("core:job-detail", args=[job.pk]))


class JobDetailView(JobQuerysetMixin, DetailView):
    model = Job
    template_name = "core/job_detail.html"


class JobProgressView(JobQuerysetMixin, DetailView):
    """The progress bar partial. While the job runs it polls itself every second; once finished it
    stops, and with ?reload=1 it asks htmx to reload the page that embeds it (to show the result)."""

    model = Job
    template_name = "includes/job_progress.html"

    def get_object(self, queryset=None):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        job = context["object"]
        if job.is_finished and self.request.GET.get("reload") and self.request.headers.get("HX-Request"):
            response["HX-Refresh"] = "true"
        return response

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            job=self.object, reload=bool(self.request.GET.get("reload")), **kwargs
        )
