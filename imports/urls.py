from django.urls import path
from django.views.generic import TemplateView

app_name = "imports"

# Placeholder until the imports views land.
urlpatterns = []
