"""Background job pages: a list, a detail page and the progress partial that htmx polls."""

from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from .models import Job


class JobQuerysetMixin:
    def get_queryset(self):
        return Job.objects.restrict(self.request.user).select_related("created_by")


class JobListView(JobQuerysetMixin, ListView):
    model = Job
    template_name = "core/job_list.html"
    paginate_by = 25


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
