import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhongshan_care.settings")

app = Celery("zhongshan_care")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
