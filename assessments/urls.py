from django.urls import path
from django.views.generic import TemplateView

app_name = "assessments"

# Placeholder until the assessments views land.
urlpatterns = []
